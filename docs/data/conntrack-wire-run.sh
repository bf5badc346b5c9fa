#!/bin/bash
# Root, from anywhere: a new lab (--conntrack-sync), 20 SIGTERM rounds, then 20 label rounds with the client's
# packets captured on its port of the LAN bridge (vk-lan, vkc), so a stall can be told apart: on the wire, or only in
# the client JVM; each node's UDP receive-buffer drops after each run go to DIR/udp-drops.txt.
# Then: python3 docs/data/conntrack-wire-stalls.py DIR > wire.csv
# Usage: conntrack-wire-run.sh DIR   (ROUNDS=N to change the 20; UP_FLAGS="--node-cpus 1" adds flags to lab up)
cd "$(dirname "$0")/../.." || exit 1
D=$1; [ -n "$D" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$D"
# each node's UDP datagrams dropped for a full receive buffer (the sync socket's, in practice), after each run
drops() { for n in 1 2 3; do echo "$1 vk-node$n $(ip netns exec vk-node$n awk '/^Udp:/ { getline; print $6 }' /proc/net/snmp)"; done >> "$D/udp-drops.txt"; }
./vipkeeper lab down >/dev/null 2>&1
./vipkeeper lab up --conntrack-sync $UP_FLAGS > "$D/up.log" 2>&1
./vipkeeper lab failover --connections 50 --planned --rounds "${ROUNDS:-20}" --csv "$D/sigterm.csv" --stalls-csv "$D/sigterm-stalls.csv" > "$D/run-sigterm.log" 2>&1
drops sigterm
ip netns exec vk-lan tcpdump -i vkc -s 96 -w "$D/label.pcap" 'tcp port 9000' > "$D/tcpdump.log" 2>&1 &
TP=$!
trap 'kill $TP 2>/dev/null; ./vipkeeper lab down >/dev/null 2>&1' EXIT
sleep 1
./vipkeeper lab failover --connections 50 --planned label --rounds "${ROUNDS:-20}" --csv "$D/label.csv" --stalls-csv "$D/label-stalls.csv" > "$D/run-label.log" 2>&1
kill $TP; sleep 1
drops label
cp -r /run/vipkeeper-lab/logs "$D/" 2>/dev/null
