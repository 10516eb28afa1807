// main.cc — roster-backup: backup, restore, export, import and verify a
// Roster database file (the daemon may be running, except for restore).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "store/file_tools.h"

using namespace roster;

namespace {

int Fail(const Status& s) {
  std::cerr << "roster-backup: " << s.message() << "\n";
  return 1;
}

// A one-line progress bar on stderr when it is a terminal.
void Bar(int64_t done, int64_t total) {
  if (!isatty(2) || total <= 0) return;
  int width = 40, filled = static_cast<int>(width * done / total);
  std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << done
            << "/" << total << " pages" << std::flush;
  if (done == total) std::cerr << "\n";
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
  bool replace = false;
  int rc = 0;

  auto* backup = app.add_subcommand("backup", "online backup (safe while rosterd writes)");
  backup->add_option("db", db, "database")->required()->type_name("FILE");
  backup->add_option("out", out, "backup file to write")->required()->type_name("FILE");
  backup->callback([&] {
    auto r = store::Backup(db, out, Bar);
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
    auto r = store::Restore(in, db);
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    std::cout << "restored " << db << " from " << in << " (rev " << r->rev << "); the old file is "
              << db << ".before-restore\n";
  });
  auto* exp = app.add_subcommand("export", "NDJSON to stdout from one consistent snapshot");
  exp->add_option("db", db, "database")->required()->type_name("FILE");
  exp->add_option("--tables", tables, "only these tables")->delimiter(',');
  exp->add_option("--since-rev", since_rev, "export the change feed after this rev instead");
  exp->callback([&] {
    auto r = store::Export(db, {tables, since_rev}, std::cout);
    if (!r.ok()) rc = Fail(r.status());
  });
  auto* imp = app.add_subcommand("import", "load an export into a database, in one transaction");
  imp->add_option("file", file, "export file (- for stdin)")->required()->type_name("FILE");
  imp->add_option("db", db, "database (created if missing)")->required()->type_name("FILE");
  imp->add_flag("--replace", replace, "overwrite rows that already exist");
  imp->callback([&] {
    std::ifstream f;
    if (file != "-") {
      f.open(file);
      if (!f) {
        rc = Fail(Status::NotFound("cannot read " + file));
        return;
      }
    }
    auto r = store::Import(file == "-" ? std::cin : f, db, replace);
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
    std::cout << "\n";
  });
  auto* verify =
      app.add_subcommand("verify", "check integrity, schema version and feed continuity");
  verify->add_option("db", db, "database")->required()->type_name("FILE");
  verify->callback([&] {
    auto r = store::Verify(db);
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
