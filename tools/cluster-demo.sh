#!/usr/bin/env bash
# cluster-demo.sh — a three-member rosterd cluster on 127.0.0.1 to try: each
# member in its own temporary directory (data, socket, log), one generated
# cluster secret (mode 0600), nodes on PORT, PORT+2 and PORT+4 (each
# member's door on the port after its node's). Prints how to point rosterctl
# at each member, then waits; Ctrl-C (or SIGTERM) stops the three members
# and removes the directory.
#
#   tools/cluster-demo.sh [--rosterd PATH] [--port PORT]
#
# rosterd is taken from --rosterd, else $ROSTERD, else the build tree next to
# this script, else PATH. PORT defaults to 9301.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rosterd=${ROSTERD:-}
port=9301
while (($# > 0)); do
  case "$1" in
    --rosterd) rosterd=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster-demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -z $rosterd ]]; then
  if [[ -x $here/../build/src/rosterd ]]; then rosterd=$here/../build/src/rosterd; else rosterd=rosterd; fi
fi
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1024 || port > 65530)); then
  echo "cluster-demo.sh: --port must be a number between 1024 and 65530" >&2
  exit 2
fi

umask 077
dir=$(mktemp -d "${TMPDIR:-/tmp}/roster-cluster-demo.XXXXXX")
pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping the members…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
  echo "stopped; $dir removed"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

head -c 32 /dev/urandom | base64 >"$dir/secret"
chmod 600 "$dir/secret"

# Starts member $1 on node port $2, joining through $3 (empty: bootstrap),
# and waits until it says it is ready.
start() {
  local n=$1 node=127.0.0.1:$2 join=$3
  mkdir -p "$dir/$n"
  local args=(--engine dqlite --cluster "$node" --data "$dir/$n/data" --socket "$dir/$n/roster.sock"
    --secret-file "$dir/secret")
  [[ -n $join ]] && args+=(--join "$join")
  "$rosterd" "${args[@]}" >"$dir/$n/rosterd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do
    grep -q ' ready: member ' "$dir/$n/rosterd.log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "cluster-demo.sh: member $n did not start; its log:" >&2
  cat "$dir/$n/rosterd.log" >&2
  exit 1
}

start 1 "$port" ""
start 2 $((port + 2)) "127.0.0.1:$port"
start 3 $((port + 4)) "127.0.0.1:$port"

cat <<TEXT
Three rosterd members on 127.0.0.1 (data, sockets and logs under $dir):
  member 1: node 127.0.0.1:$port, door 127.0.0.1:$((port + 1))
  member 2: node 127.0.0.1:$((port + 2)), door 127.0.0.1:$((port + 3))
  member 3: node 127.0.0.1:$((port + 4)), door 127.0.0.1:$((port + 5))
Point rosterctl at a member with its socket:
  export ROSTER_SOCKET=$dir/1/roster.sock      # or --socket PATH on each command
  rosterctl --socket $dir/1/roster.sock cluster members
  rosterctl --socket $dir/2/roster.sock cluster status
  rosterctl --socket $dir/3/roster.sock cluster status
Kill the primary (kill -9 on its pid) and another member takes over:
  member pids: ${pids[*]}
Ctrl-C stops the three members and removes $dir.
cluster demo ready
TEXT
wait
