// scenarios.h — roster-bench's scenarios; each returns the process exit code
// (non-zero when a feed event went missing or a request failed).
#pragma once

#include <string>
#include <vector>

#include "daemon_proc.h"

namespace roster::bench {

int Fleet(Options& o, int depth);
int Logs(Options& o);
int Fanout(Options& o);
int Scale(Options& o);
int Expiry(Options& o);
int CliScenario(Options& o);
// liveness.cc
int Liveness(Options& o);
// reap.cc
int Reap(Options& o);
// roundtrip.cc
int Roundtrip(Options& o, int depth);
// dqlite.cc
int DqliteScenario(Options& o);
// cluster.cc: three members on loopback (fleet through the primary and a
// relay, watch delay on a relay, failover over --runs leader kills).
int ClusterScenario(Options& o);
// engines.cc: the scenario of `args` (this program's command line without
// --engine, --rounds and --json) on each engine, side by side.
int BothEngines(const Options& o, const std::vector<std::string>& args, int rounds);

}  // namespace roster::bench
