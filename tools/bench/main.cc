// main.cc — roster-bench: throughput, latency, feed delivery, scale and
// recovery time of a real rosterd that it starts on a temporary database (or
// one already running, with --socket, for the scenarios that need no
// restart). Each scenario prints a summary, or with --json one object on one
// line.
//
//   roster-bench fleet|fleet-pipelined|logs|fanout|scale|expiry|cli|roundtrip|liveness|reap|dqlite
//                [--engine file|dqlite|both] [options]
#include <CLI/CLI.hpp>

#include "scenarios.h"

using namespace roster::bench;

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"roster-bench — measure rosterd"};
  app.add_option(
         "scenario", o.scenario,
         "fleet, fleet-pipelined, logs, fanout, scale, expiry, cli, roundtrip, liveness, reap, "
         "dqlite, cluster")
      ->required()
      ->check(CLI::IsMember({"fleet", "fleet-pipelined", "logs", "fanout", "scale", "expiry", "cli",
                             "roundtrip", "liveness", "reap", "dqlite", "cluster"}));
  app.add_flag("--json", o.json, "one JSON object on one line");
  app.add_option("--engine", o.engine,
                 "file (default), dqlite (one embedded node on loopback), or both (the "
                 "scenario on each, side by side)")
      ->check(CLI::IsMember({"file", "dqlite", "both"}));
  int rounds = 1;
  app.add_option("--rounds", rounds, "--engine both: alternate the engines this many times (1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--sync", o.sync, "full or normal (default normal)")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--sessions", o.sessions,
                 "sessions (fleet 10000, scale 100000, expiry 100000, liveness 1000, reap 5000)");
  app.add_option("--ops", o.ops, "operations (fleet 100000, logs 200000, fanout 20000)");
  app.add_option("--conns", o.conns, "client connections (4)");
  app.add_option("--depth", o.depth, "requests in flight per connection");
  app.add_option("--watchers", o.watchers, "watchers (fanout 100)");
  app.add_option("--rate", o.rate,
                 "fanout: changes/s from one paced connection (default: unpaced, "
                 "--conns x --depth in flight)");
  app.add_flag("--top", o.top,
               "fleet: attach `rosterctl top` (on a pseudo-terminal) during the load and "
               "report its cost");
  app.add_option("--top-rows", o.top_rows, "fleet --top: the terminal's rows (50)");
  app.add_option("--entries", o.entries, "log entries (scale 1000000)");
  app.add_option("--runs", o.runs,
                 "processes (cli 200); rounds (dqlite 3); leader kills (cluster 10)");
  app.add_option("--socket", o.socket, "use this running daemon instead of starting one");
  app.add_option("--rosterd", o.rosterd, "rosterd binary");
  app.add_option("--rosterctl", o.rosterctl, "rosterctl binary");
  app.add_option("--dir", o.dir, "dqlite: the node's data directory's parent (default: temp)");
  CLI11_PARSE(app, argc, argv);
  if (o.engine == "both") {
    if (!o.socket.empty() || o.scenario == "dqlite") {
      std::cerr << "roster-bench: --engine both starts its own daemons (not with --socket or "
                   "the dqlite scenario)\n";
      return 2;
    }
    // The same command line for each engine, without --engine, --rounds, --json.
    std::vector<std::string> args = {argv[0]};
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--json") continue;
      if (a == "--engine" || a == "--rounds") {
        ++i;
        continue;
      }
      if (a.rfind("--engine=", 0) == 0 || a.rfind("--rounds=", 0) == 0) continue;
      args.push_back(a);
    }
    return BothEngines(o, args, rounds);
  }
  auto set = [&](const char* opt, int64_t& field, int64_t value) {
    if (app.count(opt) == 0) field = value;
  };
  if (!o.socket.empty()) {  // report the running daemon's own engine and sync mode
    std::string status =
        CallOnce(o.socket, R"({"jsonrpc":"2.0","id":0,"method":"status"})", nullptr);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(status, ec);
    const boost::json::value* result = ec ? nullptr : v.find_pointer("/result", ec);
    if (result && result->is_object()) {  // its engine, and the file engine's sync mode
      const auto& r = result->as_object();
      if (auto* e = r.if_contains("engine"); e && e->is_string()) o.engine = e->as_string();
      if (auto* s = r.if_contains("sync"); s && s->is_string()) o.sync = s->as_string();
    }
  }
  if (o.scenario == "fleet") return Fleet(o, app.count("--depth") ? static_cast<int>(o.depth) : 1);
  if (o.scenario == "fleet-pipelined")
    return Fleet(o, app.count("--depth") ? static_cast<int>(o.depth) : 16);
  if (o.scenario == "roundtrip") {
    return Roundtrip(o, app.count("--depth") ? static_cast<int>(o.depth) : 1);
  }
  if (o.scenario == "dqlite") {
    set("--ops", o.ops, 2'000);
    set("--runs", o.runs, 3);
    return DqliteScenario(o);
  }
  if (o.scenario == "cluster") {  // three members on loopback
    set("--sessions", o.sessions, 2000);
    set("--ops", o.ops, 20'000);
    set("--depth", o.depth, 16);
    set("--watchers", o.watchers, 10);
    set("--runs", o.runs, 10);
    return ClusterScenario(o);
  }
  if (o.scenario == "logs") {
    set("--ops", o.ops, 200'000);
    set("--depth", o.depth, 16);
    return Logs(o);
  }
  if (o.scenario == "fanout") {
    set("--ops", o.ops, 20'000);
    set("--watchers", o.watchers, 100);
    set("--depth", o.depth, 16);
    return Fanout(o);
  }
  if (o.scenario == "scale") {
    set("--sessions", o.sessions, 100'000);
    return Scale(o);
  }
  if (o.scenario == "expiry") {
    set("--sessions", o.sessions, 100'000);
    return Expiry(o);
  }
  if (o.scenario == "reap") {
    set("--sessions", o.sessions, 5000);
    set("--ops", o.ops, 20'000);
    return Reap(o);
  }
  if (o.scenario == "liveness") {
    set("--sessions", o.sessions, 1000);
    return Liveness(o);
  }
  return CliScenario(o);
}
