#!/usr/bin/env bash
# run.sh — Roster's run command: install missing packages, build, and start
# rosterd in the foreground on its default database ($XDG_STATE_HOME/roster/
# roster.db) and socket. Extra arguments are passed to rosterd.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh" rosterd rosterctl roster-backup >&2
exec "${ROSTER_BUILD_DIR:-$(dirname "$here")/build}/src/rosterd" "$@"
