// main.cc — rosterd's command line (CLI11): flags override the config file,
// which overrides the defaults (see config.h). Every value goes through the
// settings table's checks; a bad flag, file or value exits with status 2 and
// one sentence, like rosterctl's usage errors.
#include <mimalloc.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cli.h"
#include "cluster/member.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/fd_limit.h"
#include "daemon/settings.h"
#include "daemon/startup_paths.h"
#include "util/log.h"

// rosterd links mimalloc, which replaces malloc and operator new for the whole
// process. glibc's arenas cost the io thread a quarter of its time: requests
// are parsed there and freed on the writer thread, replies the other way round,
// and every such free took the owning arena's lock. mimalloc frees
// cross-thread without a lock (what it keeps of a freed big reply buffer:
// util/big_buffer.h).

namespace {

constexpr int kExitUsage = 2;  // bad flags, config file or setting (README, Running rosterd)

int Usage(const std::string& why) {
  std::cerr << "rosterd: " << why << " (see rosterd --help)\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace roster;
  daemon::DaemonConfig config = daemon::DefaultConfig();
  CLI::App app{"rosterd — the Roster daemon: a durable local registry of AI coding-agent sessions",
               "rosterd"};
  std::string config_file;
  // Flag -> setting key; applied after the config file, through the table.
  struct Flag {
    const char* name;
    const char* key;
    std::string help;
    std::string value;
  };
  std::vector<Flag> flags = {
      {"--engine", "engine", "store engine: file (default: one SQLite file) or dqlite", {}},
      {"--db", "db", "file engine: database file (default " + config.db_path + ")", {}},
      {"--cluster",
       "cluster",
       "dqlite engine: the embedded node's IPv4:port (default " + config.cluster + ")",
       {}},
      {"--data",
       "data",
       "dqlite engine: the node's data directory (default " + config.data_dir + ")",
       {}},
      {"--join",
       "join",
       "dqlite engine: join the cluster of the member whose node is at this IPv4:port (first "
       "start only)",
       {}},
      {"--secret-file",
       "cluster_secret_file",
       "cluster: the file holding the secret the cluster's members share",
       {}},
      {"--socket", "socket", "Unix socket (default " + config.socket_path + ")", {}},
      {"--sync", "sync", "file engine: full (default: survives power loss) or normal", {}},
      {"--log-level", "log_level", "debug, info (default), warn or error", {}},
      {"--startup-check",
       "startup_check",
       "auto (default: skip quick_check after a clean shutdown) or always",
       {}},
      {"--host", "host", "this machine's name in the registry (default: from the machine id)", {}},
  };
  app.add_option("--config", config_file, "JSON config file (keys: README, Configuration)")
      ->type_name("FILE");
  for (auto& f : flags) {
    // The value's kind, for the generated completions (cli/cli.h).
    const daemon::Setting* setting = daemon::FindSetting(f.key);
    std::string type = setting && setting->type == daemon::Setting::Type::kChoice ? "{"
                       : setting && !setting->text_rule.empty()                   ? "NAME"
                                                                                  : "FILE";
    for (auto c : type == "{" ? setting->choices : std::vector<std::string_view>{})
      type += std::string(c) + ",";
    if (type[0] == '{') type.back() = '}';
    app.add_option(f.name, f.value, f.help)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
        ->type_name(type);
  }
  app.set_version_flag("--version", cli::VersionLine("rosterd"));
  if (auto rc = cli::Generate(app, argc, argv)) return *rc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError&) {
    std::string extras;
    for (const auto& a : app.remaining()) extras += (extras.empty() ? "" : " ") + a;
    return Usage("unknown argument " + extras);
  } catch (const CLI::ArgumentMismatch& e) {  // "--db: 1 required TEXT missing"
    const std::string what = e.what();
    return Usage(what.substr(0, what.find(':')) + " needs a value");
  } catch (const CLI::ParseError& e) {
    return Usage(e.what());
  }

  if (!config_file.empty()) {
    if (Status s = daemon::LoadConfigFile(config_file, &config); !s.ok()) return Usage(s.message());
  }
  for (const auto& f : flags) {
    if (app.count(f.name) == 0) continue;
    if (Status s = daemon::ApplyFlag(f.key, f.name, f.value, &config); !s.ok())
      return Usage(s.message());
  }
  if (Status s = daemon::CheckConfig(config); !s.ok()) return Usage(s.message());
  if (Status s = daemon::CheckPaths(config); !s.ok()) return Usage(s.message());
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(config.log_level, &level);  // one of the table's choices
  SetLogLevel(level);
  if (std::string warning = daemon::ResolveHost(&config); !warning.empty()) LogWarn(warning);
  LogDebug("allocator: mimalloc " + std::to_string(mi_version()));
  daemon::FitConnectionsToFileLimit(&config);
  return config.engine == "dqlite" ? cluster::RunMember(config) : daemon::RunDaemon(config);
}
