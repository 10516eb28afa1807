// main.cc — roster-backup: backup, restore, export, import and verify a
// Roster database file (the daemon may be running, except for restore). The
// long ones show progress on a terminal (progress.h). backup, export and
// verify also take a dqlite-backed registry, named dqlite://ADDRESS: they
// work on a consistent dump of the node's database (store/dqlite_dump.h).
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "backup/progress.h"
#include "cli/cli.h"
#include "store/dqlite_dump.h"
#include "store/file_tools.h"

using namespace roster;
using backup::ProgressLine;

namespace {

int Fail(const Status& s) {
  std::cerr << "roster-backup: " << s.message() << "\n";
  return 1;
}

// The database file a command reads: `source` itself, or, for a dqlite node
// (dqlite://ADDRESS), a dump of its database in a temporary directory that
// lives as long as this object.
class SourceFile {
 public:
  explicit SourceFile(const std::string& source) : path_(source) {
    if (!store::IsDqliteSource(source)) return;
    std::string tmpl = (std::filesystem::temp_directory_path() / "roster-backup-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      status_ = Status::Unavailable("cannot create a temporary directory for the dump");
      return;
    }
    dir_ = tmpl;
    path_ = dir_ + "/dump.db";
    auto dumped = store::DumpDqlite(store::DqliteAddress(source), path_);
    if (!dumped.ok()) status_ = dumped.status();
  }
  ~SourceFile() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  const Status& status() const { return status_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_, dir_;
  Status status_;
};

// restore and import write a database file: a dqlite node is written through
// its rosterd (or rosterd --engine dqlite started on the file's export).
Status RefuseDqliteTarget(const std::string& db) {
  if (!store::IsDqliteSource(db)) return Status::Ok();
  return Status::InvalidParams(
      "restore and import write a database file, not a dqlite node (" + db +
      "); restore the backup file with the file engine, or serve it with rosterd --db");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roster-backup — back up, restore, export, import and verify a Roster database",
               "roster-backup"};
  app.require_subcommand(1);
  app.set_version_flag("--version", cli::VersionLine("roster-backup"));
  std::string db, out, in, file;
  std::vector<std::string> tables;
  std::optional<int64_t> since_rev;
  bool replace = false, quiet = false;
  int rc = 0;
  app.fallthrough();  // --quiet after the command too
  app.add_flag("-q,--quiet", quiet, "no progress display (there is none in a pipe either)");

  auto* backup = app.add_subcommand("backup", "online backup (safe while rosterd writes)");
  backup->add_option("db", db, "database, or dqlite://ADDRESS for a dqlite node")
      ->required()
      ->type_name("FILE");
  backup->add_option("out", out, "backup file to write")->required()->type_name("FILE");
  backup->callback([&] {
    SourceFile source(db);
    if (!source.status().ok()) {
      rc = Fail(source.status());
      return;
    }
    Result<store::BackupResult> r = store::BackupResult{};
    {
      ProgressLine line("backup", "pages", ProgressLine::Unit::kCount,
                        backup::ProgressWanted(quiet));
      r = store::Backup(source.path(), out, line.Callback());
    }
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    std::cout << "backed up " << db << " at rev " << r->rev << " to " << out << " (" << r->pages
              << " pages)\n";
  });
  auto* restore = app.add_subcommand("restore", "replace a database with a verified backup");
  restore->add_option("backup", in, "backup file")->required()->type_name("FILE");
  restore->add_option("db", db, "database to replace")->required()->type_name("FILE");
  restore->callback([&] {
    if (Status s = RefuseDqliteTarget(db); !s.ok()) {
      rc = Fail(s);
      return;
    }
    auto r = store::Restore(in, db);
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    if (!r->warning.empty()) std::cerr << "roster-backup: " << r->warning << "\n";
    std::cout << "restored " << db << " from " << in << " (rev " << r->rev
              << "); its feed starts a new incarnation " << r->feed_id << " after rev "
              << r->horizon << " (watchers resuming from an older rev get compacted)";
    if (!r->kept.empty()) std::cout << "; the old file is " << r->kept;
    std::cout << "\n";
  });
  auto* exp = app.add_subcommand("export", "NDJSON to stdout from one consistent snapshot");
  exp->add_option("db", db, "database, or dqlite://ADDRESS for a dqlite node")
      ->required()
      ->type_name("FILE");
  exp->add_option("--tables", tables, "only these tables")->delimiter(',');
  exp->add_option("--since-rev", since_rev, "export the change feed after this rev instead");
  exp->callback([&] {
    SourceFile source(db);
    if (!source.status().ok()) {
      rc = Fail(source.status());
      return;
    }
    // Not over the export itself when that goes to the same terminal.
    ProgressLine line("export", "rows", ProgressLine::Unit::kCount,
                      backup::ProgressWanted(quiet) && !isatty(1));
    auto r = store::Export(source.path(), {tables, since_rev}, std::cout, line.Callback());
    if (!r.ok()) rc = Fail(r.status());
  });
  auto* imp = app.add_subcommand("import", "load an export into a database, in one transaction");
  imp->add_option("file", file, "export file (- for stdin)")->required()->type_name("FILE");
  imp->add_option("db", db, "database (created if missing)")->required()->type_name("FILE");
  imp->add_flag("--replace", replace, "overwrite rows that already exist");
  imp->callback([&] {
    if (Status s = RefuseDqliteTarget(db); !s.ok()) {
      rc = Fail(s);
      return;
    }
    std::ifstream f;
    if (file != "-") {
      f.open(file);
      if (!f) {
        rc = Fail(Status::NotFound("cannot read " + file));
        return;
      }
    }
    Result<store::ImportReport> r = store::ImportReport{};
    {
      std::error_code ec;
      const auto size = file == "-" ? 0 : std::filesystem::file_size(file, ec);
      ProgressLine line("import", "bytes", ProgressLine::Unit::kBytes,
                        backup::ProgressWanted(quiet));
      r = store::Import(file == "-" ? std::cin : f, db, replace, line.Callback(),
                        ec ? 0 : static_cast<int64_t>(size));
    }
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    if (!r->conflicts.empty()) {
      for (const auto& c : r->conflicts) std::cerr << "conflict: " << c << " already exists\n";
      rc = Fail(Status::Conflict(
          std::to_string(r->conflicts.size()) +
          " rows already exist; nothing was imported (use --replace to overwrite)"));
      return;
    }
    std::cout << "imported " << r->rows << " rows into " << db;
    if (r->feed_rows_skipped)
      std::cout << " (" << r->feed_rows_skipped << " feed rows left to the database's own feed)";
    if (!r->new_feed_id.empty()) {
      std::cout << "; its feed starts a new incarnation " << r->new_feed_id << " after rev "
                << r->horizon << " (watchers resuming from an older rev get compacted)";
    }
    std::cout << "\n";
  });
  auto* verify =
      app.add_subcommand("verify", "check integrity, schema version and feed continuity");
  verify->add_option("db", db, "database, or dqlite://ADDRESS for a dqlite node")
      ->required()
      ->type_name("FILE");
  verify->callback([&] {
    SourceFile source(db);
    if (!source.status().ok()) {
      rc = Fail(source.status());
      return;
    }
    Result<store::VerifyReport> r = store::VerifyReport{};
    {
      ProgressLine line("verify", "pages", ProgressLine::Unit::kCount,
                        backup::ProgressWanted(quiet));
      r = store::Verify(source.path(), line.Callback());
    }
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    for (const auto& l : r->lines) std::cout << l << "\n";
    std::cout << (r->healthy ? "healthy\n" : "NOT healthy\n");
    rc = r->healthy ? 0 : 1;
  });
  if (auto code = cli::Parse(app, argc, argv)) return *code;
  return rc;
}
