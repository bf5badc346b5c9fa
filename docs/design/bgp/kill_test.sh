#!/usr/bin/env bash
# After `./run.sh setup on`: how fast the router drops node3 when its BIRD process ends (SIGTERM vs SIGKILL), and how
# fast it is back after a restart. Bounded: each wait has a deadline. Usage: ./kill_test.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"; D=$PWD/run/node3
paths() { ip -n bgp-router -4 route show 198.51.100.200/32 | grep -o 'via [0-9.]*' | sort -u | wc -l; }
wait_paths() { local end=$(( $(date +%s%N) + $2 * 1000000000 )); until [ "$(paths)" = "$1" ]; do
  [ "$(date +%s%N)" -lt $end ] || return 1; sleep 0.01; done; }
ms() { echo "($(date +%s.%N) - $1) * 1000 / 1" | bc; }
for r in $(seq 1 "${1:-3}"); do
  for sig in TERM KILL; do
    wait_paths 3 60
    t=$(date +%s.%N); kill -$sig "$(cat "$D/bird.pid")"
    wait_paths 2 10 && gone=$(ms "$t") || gone=timeout
    t=$(date +%s.%N); rm -f "$D/bird.pid"
    ip netns exec bgp-node3 bird -c "$D/bird.conf" -s "$D/bird.ctl" -P "$D/bird.pid"
    wait_paths 3 60 && back=$(ms "$t") || back=timeout
    echo "round $r SIG$sig route_gone_ms $gone back_after_restart_ms $back"
  done
done
