#!/bin/bash
# Root, from anywhere: a new lab (--conntrack-sync, the nodes on CPU 1: --node-cpus 1), 20 label rounds, then 20 SIGTERM
# rounds (the order in which old TIME_WAIT entries have piled up by the SIGTERM rounds), with each node's conntrack
# counters (`conntrack -S`: invalid, drop, ...) sampled every second into DIR/ct-stats.txt.
# Usage: conntrack-label-then-sigterm-run.sh DIR   (ROUNDS=N to change the 20; UP_FLAGS to change "--node-cpus 1")
cd "$(dirname "$0")/../.." || exit 1
D=$1; [ -n "$D" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$D"
./vipkeeper lab down >/dev/null 2>&1
./vipkeeper lab up --conntrack-sync ${UP_FLAGS:---node-cpus 1} > "$D/up.log" 2>&1
( while sleep 1; do for n in 1 2 3; do echo "$(date +%T.%N | cut -c1-12) vk-node$n $(ip netns exec vk-node$n conntrack -S 2>/dev/null | tr '\n' ' ')"; done; done > "$D/ct-stats.txt" ) &
SP=$!
trap 'kill $SP 2>/dev/null; ./vipkeeper lab down >/dev/null 2>&1' EXIT
./vipkeeper lab failover --connections 50 --planned label --rounds "${ROUNDS:-20}" --csv "$D/label.csv" --stalls-csv "$D/label-stalls.csv" > "$D/run-label.log" 2>&1
./vipkeeper lab failover --connections 50 --planned --rounds "${ROUNDS:-20}" --csv "$D/sigterm.csv" --stalls-csv "$D/sigterm-stalls.csv" > "$D/run-sigterm.log" 2>&1
kill $SP; sleep 1
cp -r /run/vipkeeper-lab/logs "$D/" 2>/dev/null
