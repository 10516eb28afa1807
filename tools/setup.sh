#!/usr/bin/env bash
# setup.sh — the shared half of Roster's two commands: install whatever Debian
# packages are missing (idempotent, quiet when all are present), then configure
# and build with CMake. Sourced-or-run by tools/run.sh and tools/test.sh.
#
# Arguments: build targets (default: everything, tests included).
# Environment: ROSTER_BUILD_DIR (default: build), ROSTER_BUILD_TYPE
# (default: RelWithDebInfo), CI (when set, warnings are errors).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

install_missing() {
  local missing=()
  while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done < "$here/packages.txt"
  ((${#missing[@]} == 0)) && return 0
  echo "roster: installing missing packages: ${missing[*]}" >&2
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

build() {
  local dir="${ROSTER_BUILD_DIR:-$repo/build}"
  local werror=OFF
  [[ -n "${CI:-}" ]] && werror=ON
  cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE="${ROSTER_BUILD_TYPE:-RelWithDebInfo}" \
    -DROSTER_WERROR="$werror" >/dev/null
  local targets=()
  (($# > 0)) && targets=(--target "$@")
  # Quiet when everything is built: make's per-target "Built target" lines
  # (and ninja's "no work to do") are dropped; what is compiled, warnings and
  # errors still show. pipefail keeps the build's exit status.
  cmake --build "$dir" -j "$(nproc)" "${targets[@]}" |
    { grep -v -e '^\[ *[0-9]*%\] Built target ' -e '^Consolidate compiler generated dependencies' \
        -e '^ninja: no work to do' || true; }
}

install_missing
build "$@"
