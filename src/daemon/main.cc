// main.cc — rosterd's command line (CLI11): flags override the config file,
// which overrides the defaults (see config.h).
#include <mimalloc.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "util/log.h"

// rosterd links mimalloc, which replaces malloc and operator new for the whole
// process. glibc's arenas cost the io thread a quarter of its time: requests
// are parsed there and freed on the writer thread, replies the other way round,
// and every such free took the owning arena's lock. mimalloc frees
// cross-thread without a lock (what it keeps of a freed big reply buffer:
// util/big_buffer.h).

int main(int argc, char** argv) {
  using namespace roster;
  daemon::DaemonConfig config = daemon::DefaultConfig();
  CLI::App app{"rosterd — the Roster daemon: a durable local registry of AI coding-agent sessions"};
  std::string config_file, db, socket, sync, log_level, startup_check;
  app.add_option("--config", config_file, "JSON config file (keys: README, Configuration)");
  app.add_option("--db", db, "database file (default " + config.db_path + ")");
  app.add_option("--socket", socket, "Unix socket (default " + config.socket_path + ")");
  app.add_option("--sync", sync, "full (default: survives power loss) or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--log-level", log_level, "debug, info (default), warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--startup-check", startup_check,
                 "auto (default: skip quick_check after a clean shutdown) or always")
      ->check(CLI::IsMember({"auto", "always"}));
  app.set_version_flag("--version", ROSTER_VERSION);
  CLI11_PARSE(app, argc, argv);

  if (!config_file.empty()) {
    if (Status s = daemon::LoadConfigFile(config_file, &config); !s.ok()) {
      std::cerr << "rosterd: " << s.message() << "\n";
      return 2;
    }
  }
  if (!db.empty()) config.db_path = db;
  if (!socket.empty()) config.socket_path = socket;
  if (!sync.empty())
    config.sync = sync == "full" ? store::SyncMode::kFull : store::SyncMode::kNormal;
  if (!log_level.empty()) config.log_level = log_level;
  if (!startup_check.empty()) config.startup_check = startup_check;
  LogLevel level;
  if (!ParseLogLevel(config.log_level, &level)) {
    std::cerr << "rosterd: unknown log level " << config.log_level << "\n";
    return 2;
  }
  SetLogLevel(level);
  LogDebug("allocator: mimalloc " + std::to_string(mi_version()));
  return daemon::RunDaemon(config);
}
