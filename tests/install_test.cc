// install_test.cc — `cmake --install` of this build tree into temporary
// prefixes, and the installed files used by the tools that look for them:
// systemd-analyze verifies the units, man finds the pages, bash-completion
// and zsh's compinit load the completions, the programs run from PREFIX/bin.
#include "install_harness.h"

namespace roster {
namespace {

using testing::Ran;
using testing::Slurp;
using testing::UserMachine;

class Install : public ::testing::Test {
 protected:
  void SetUp() override {
    Ran r = m.Sh("cmake --install build --prefix ~/.local");
    ASSERT_EQ(r.code, 0) << r.out << r.err;
  }
  std::string Prefix(const std::string& rest = "") const { return m.home() + "/.local/" + rest; }
  UserMachine m;
};

TEST_F(Install, PutsProgramsManPagesCompletionsUnitsAndDocsInPlace) {
  for (const std::string f :
       {"bin/rosterd", "bin/rosterctl", "bin/roster-backup", "share/man/man1/rosterd.1",
        "share/man/man1/rosterctl.1", "share/man/man1/roster-backup.1",
        "share/bash-completion/completions/rosterctl", "share/zsh/site-functions/_rosterctl",
        "share/systemd/user/rosterd.service", "share/systemd/user/rosterd.socket",
        "share/doc/roster/README.md", "share/doc/roster/api.md"})
    EXPECT_TRUE(std::filesystem::exists(Prefix(f))) << f;
  // On PATH by their bare names, one version string.
  Ran v = m.Sh("rosterd --version && rosterctl --version && roster-backup --version");
  EXPECT_EQ(v.out, "rosterd " ROSTER_VERSION "\nrosterctl " ROSTER_VERSION
                   "\nroster-backup " ROSTER_VERSION "\n");
  // The unit starts the installed daemon; written at install time, so it
  // names this prefix, not the build's.
  EXPECT_NE(Slurp(Prefix("share/systemd/user/rosterd.service"))
                .find("\nExecStart=" + Prefix("bin/rosterd") + " --socket %t/roster.sock\n"),
            std::string::npos);
  // man finds the pages through PATH (~/.local/bin -> ~/.local/share/man),
  // and they hold the commands and the help topics.
  Ran man = m.Sh("man -w rosterctl && man rosterctl | col -b");
  EXPECT_EQ(man.code, 0) << man.err;
  EXPECT_NE(man.out.find(Prefix("share/man/man1/rosterctl.1")), std::string::npos) << man.out;
  EXPECT_NE(man.out.find("rosterctl session heartbeat"), std::string::npos) << man.out;
  EXPECT_NE(man.out.find("TOPICS"), std::string::npos);
  EXPECT_EQ(m.Sh("man -w rosterd roster-backup").code, 0);
}

TEST_F(Install, UnitsPassSystemdAnalyzeVerify) {
  // --user needs a runtime directory and no running user manager. Every
  // warning counts: verify exits 0 on an unknown key, so stderr must be
  // empty. MANPATH makes its Documentation= check find the installed page.
  const std::string units = Prefix("share/systemd/user/rosterd.service") + " " +
                            Prefix("share/systemd/user/rosterd.socket");
  Ran v = m.Sh("MANPATH=" + Prefix("share/man") + " systemd-analyze --user verify " + units);
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(v.err, "");
  // The check is real: a unit with a mistake fails it.
  std::ofstream(m.dir().File("bad.service"))
      << "[Service]\nType=notify\nExecStart=" << Prefix("bin/rosterd") << "\nRestartt=always\n";
  Ran bad = m.Sh("systemd-analyze --user verify " + m.dir().File("bad.service"));
  EXPECT_NE(bad.err.find("Unknown key"), std::string::npos) << bad.err;
}

TEST_F(Install, CompletionsLoadWhereBashAndZshLook) {
  // bash-completion loads ~/.local/share/bash-completion/completions/NAME on
  // first use; zsh's compinit reads the site-functions put on fpath.
  Ran bash = m.Sh(R"(
source /usr/share/bash-completion/bash_completion
for p in rosterd rosterctl roster-backup; do __load_completion $p && complete -p $p; done
COMP_WORDS=(rosterctl session reg); COMP_CWORD=2; _rosterctl; echo "${COMPREPLY[*]}"
)");
  EXPECT_EQ(bash.err, "");
  EXPECT_NE(bash.out.find("complete -F _rosterctl rosterctl"), std::string::npos) << bash.out;
  EXPECT_NE(bash.out.find("complete -F _roster_backup roster-backup"), std::string::npos);
  EXPECT_NE(bash.out.find("\nregister\n"), std::string::npos) << bash.out;
  Ran zsh = m.Sh(
      "zsh -f -c 'fpath=(~/.local/share/zsh/site-functions $fpath); autoload -U "
      "compinit; compinit -u -D; print -r -- $_comps[rosterctl] "
      "$_comps[roster-backup] $_comps[rosterd]'");
  EXPECT_EQ(zsh.err, "");
  EXPECT_EQ(zsh.out, "_rosterctl _roster-backup _rosterd\n");
}

TEST(InstallPrefix, ASystemPrefixStagedWithDestdirNamesTheFinalPaths) {
  UserMachine m;
  Ran r = m.Sh("DESTDIR=" + m.dir().File("stage") + " cmake --install build --prefix /usr/local");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string unit =
      Slurp(m.dir().File("stage/usr/local/share/systemd/user/rosterd.service"));
  EXPECT_NE(unit.find("\nExecStart=/usr/local/bin/rosterd --socket"), std::string::npos) << unit;
  EXPECT_TRUE(std::filesystem::exists(m.dir().File("stage/usr/local/bin/rosterctl")));
  EXPECT_TRUE(std::filesystem::exists(
      m.dir().File("stage/usr/local/share/bash-completion/completions/rosterctl")));
}

}  // namespace
}  // namespace roster
