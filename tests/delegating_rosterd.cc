// delegating_rosterd.cc — rosterd as a cluster member runs its core: the
// same daemon (daemon::RunDaemon) with config.registry.host_agent set, so
// that it does none of its host's duties and host agents do them
// (cluster/host_agent.h). Not a user setting, so not a flag of rosterd: the
// host agent's tests start this program instead. It takes rosterd's
// --config FILE and the --NAME VALUE flags of the settings table (--db,
// --socket, --host, ...).
#include <iostream>
#include <string>

#include "daemon/config.h"
#include "daemon/daemon.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace roster;
  daemon::DaemonConfig config = daemon::DefaultConfig();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag.rfind("--", 0) != 0) {
      std::cerr << "delegating-rosterd: unexpected " << flag << "\n";
      return 2;
    }
    Status s = flag == "--config" ? daemon::LoadConfigFile(value, &config)
                                  : daemon::ApplyFlag(flag.substr(2), flag, value, &config);
    if (!s.ok()) {
      std::cerr << "delegating-rosterd: " << s.message() << "\n";
      return 2;
    }
  }
  if (Status s = daemon::CheckConfig(config); !s.ok()) {
    std::cerr << "delegating-rosterd: " << s.message() << "\n";
    return 2;
  }
  daemon::ResolveHost(&config);
  config.registry.host_agent = true;
  return daemon::RunDaemon(config);
}
