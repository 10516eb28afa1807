// dqlite_dump.cc — a node's database as a SQLite file (see dqlite_dump.h).
#include "store/dqlite_dump.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <fstream>

#include "store/connection.h"
#include "store/dqlite/client.h"
#include "store/dqlite_engine.h"

namespace roster::store {

namespace fs = std::filesystem;

bool IsDqliteSource(const std::string& source) { return source.rfind(kDqliteScheme, 0) == 0; }

std::string DqliteAddress(const std::string& source) {
  return source.substr(std::string(kDqliteScheme).size());
}

Result<int64_t> DumpDqlite(const std::string& address, const std::string& out) {
  dqlite::ClientOptions o;
  o.nodes = {address};
  o.database = kDqliteDatabaseName;
  o.call_timeout = std::chrono::seconds(60);  // the whole database in one message
  o.connect_timeout = std::chrono::seconds(10);
  dqlite::Client client(o);
  if (auto c = client.Connect(); !c.ok()) {
    return Status::Unavailable("cannot reach the dqlite node at " + address + ": " +
                               c.error().status().message());
  }
  auto files = client.Dump();
  if (!files.ok()) {
    return Status::Unavailable("the dqlite node at " + address +
                               " did not dump its database: " + files.error().status().message());
  }
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(out + suffix, ec);
  // The node's files, as SQLite names them beside each other.
  for (const auto& f : *files) {
    const bool wal = f.name.size() > 4 && f.name.compare(f.name.size() - 4, 4, "-wal") == 0;
    std::ofstream file(wal ? out + "-wal" : out, std::ios::binary | std::ios::trunc);
    file.write(f.data.data(), static_cast<std::streamsize>(f.data.size()));
    if (!file.flush()) return Status::Unavailable("cannot write " + out);
  }
  try {
    // Opening reads the WAL; the checkpoint folds it into the file, and the
    // journal mode leaves one self-contained file.
    SQLite::Database db(out, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec("PRAGMA journal_mode=DELETE");
  } catch (const std::exception& e) {
    return Status::Unavailable(
        "the dump of the dqlite node at " + address +
        " is not a database SQLite can read: " + FromSqliteError(e).message());
  }
  fs::remove(out + "-wal", ec);
  const auto size = fs::file_size(out, ec);
  return ec ? int64_t{0} : static_cast<int64_t>(size);
}

}  // namespace roster::store
