// main.cc — rosterctl's command line (CLI11): one subcommand per API method,
// short aliases for the daily ones, `watch`, `top`, `hook claude` and `help`.
// The command groups are added by session_cmds.cc, other_cmds.cc and
// topics.cc; parsing, unknown commands and the generated completions and man
// page are cli/cli.h's.
//
// Nothing escapes main: a reply of a shape rosterctl does not expect (the
// formatters read replies with throwing accessors), or any other exception,
// ends the command with the documented exit code for "any other failure"
// and one sentence — and `hook claude`, which must never fail the agent,
// with 0.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string_view>

#include "cli/cli.h"
#include "ctl/cli.h"
#include "util/paths.h"

using namespace roster;
using namespace roster::ctl;

namespace {

int Run(int argc, char** argv, Plan& plan) {
  CLI::App app{"rosterctl — talk to rosterd, the registry of AI coding-agent sessions",
               "rosterctl"};
  app.require_subcommand(1);
  Context ctx;
  ctx.socket = DefaultSocketPath();
  // The shell completions ask for session names on every TAB: answered before
  // the command tree is even built.
  if (argc >= 3 && std::string_view(argv[argc - 2]) == "__complete" &&
      std::string_view(argv[argc - 1]) == "sessions") {
    if (argc == 5 && std::string_view(argv[1]) == "--socket") ctx.socket = argv[2];
    return CompleteSessions(ctx.socket);
  }
  app.add_option("--socket", ctx.socket,
                 "daemon socket (default $ROSTER_SOCKET or " + ctx.socket + ")")
      ->type_name("FILE");
  app.add_flag("--json", ctx.json, "print the API's JSON exactly");
  app.set_version_flag("--version", cli::VersionLine("rosterctl"));
  Opts opts;
  AddSessionCommands(app, opts, ctx, plan);
  AddPaneCommands(app, opts, ctx, plan);
  AddTeamCommands(app, opts, ctx, plan);
  AddLogCommands(app, opts, ctx, plan);
  AddOtherCommands(app, opts, ctx, plan);
  AddClusterCommands(app, opts, ctx, plan);
  AddHelpCommand(app, opts, plan);
  app.footer("Concepts: rosterctl help liveness|pause|feed|hooks. Manual: man rosterctl.");
  if (auto rc = cli::Parse(app, argc, argv, {.sections = TopicsManSection()})) return *rc;
  ctx.style = Style{ColorWanted(), NowMs()};
  return plan.run ? plan.run() : kExitUsage;
}

// Says what went wrong in one sentence; the documented exit code.
int Unexpected(const Plan& plan, const std::string& what) {
  std::cerr << (plan.fail_open ? "rosterctl hook: " : "rosterctl: ") << what
            << (plan.fail_open ? "; event not recorded" : "") << "\n";
  return plan.fail_open ? kExitOk : kExitOther;
}

}  // namespace

int main(int argc, char** argv) {
  Plan plan;
  try {
    return Run(argc, argv, plan);
  } catch (const std::filesystem::filesystem_error& e) {
    return Unexpected(plan, "cannot use " + e.path1().string() + ": " + e.code().message());
  } catch (const std::logic_error&) {  // Boost.JSON's accessors: out_of_range, invalid_argument
    return Unexpected(plan,
                      "rosterd sent a reply this rosterctl cannot read (is rosterd another "
                      "version?)");
  } catch (...) {
    return Unexpected(plan, "an unexpected internal error stopped the command");
  }
}
