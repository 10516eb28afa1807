#!/usr/bin/env bash
# test.sh — Roster's test command: install missing packages, build, and run the
# whole test suite with ctest. .ci/run calls exactly this.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
cd "${ROSTER_BUILD_DIR:-$(dirname "$here")/build}"
ctest --output-on-failure -j "$(nproc)" "$@"
