// main.cc — rosterctl's command line (CLI11): one subcommand per API method,
// short aliases for the daily ones, `watch`, `top` and `hook claude`. The
// command groups are added by session_cmds.cc and other_cmds.cc.
#include <CLI/CLI.hpp>

#include "ctl/cli.h"
#include "util/paths.h"

using namespace roster;
using namespace roster::ctl;

int main(int argc, char** argv) {
  CLI::App app{"rosterctl — talk to rosterd, the registry of AI coding-agent sessions"};
  app.require_subcommand(1);
  Context ctx;
  ctx.socket = DefaultSocketPath();
  app.add_option("--socket", ctx.socket,
                 "daemon socket (default $ROSTER_SOCKET or " + ctx.socket + ")");
  app.add_flag("--json", ctx.json, "print the API's JSON exactly");
  Opts opts;
  Plan plan;
  AddSessionCommands(app, opts, ctx, plan);
  AddTeamCommands(app, opts, ctx, plan);
  AddLogCommands(app, opts, ctx, plan);
  AddOtherCommands(app, opts, ctx, plan);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  ctx.style = Style{ColorWanted(), NowMs()};
  return plan.run ? plan.run() : kExitUsage;
}
