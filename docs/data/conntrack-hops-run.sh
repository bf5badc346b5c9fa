#!/bin/bash
# Root, from anywhere: a new lab (--conntrack-sync) and 12 label rounds with every port of the LAN bridge captured
# (vk-lan, tcp port 9000 and ARP, payload kept), so each echo message can be followed hop by hop: client, node, pod and
# back. Then: python3 docs/data/conntrack-hops.py DIR
# Usage: conntrack-hops-run.sh DIR   (ROUNDS=N to change the 12; ~300 MB of capture per 12 rounds)
cd "$(dirname "$0")/../.." || exit 1
D=$1; [ -n "$D" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$D"
./vipkeeper lab down >/dev/null 2>&1
./vipkeeper lab up --conntrack-sync > "$D/up.log" 2>&1
ip netns exec vk-lan ip -o link > "$D/links.txt"
ip netns exec vk-lan tcpdump -i any -s 160 -w "$D/all.pcap" 'tcp port 9000 or arp' > "$D/tcpdump.log" 2>&1 &
TP=$!
trap 'kill $TP 2>/dev/null; ./vipkeeper lab down >/dev/null 2>&1' EXIT
sleep 1
./vipkeeper lab failover --connections 50 --planned label --rounds "${ROUNDS:-12}" --csv "$D/label.csv" --stalls-csv "$D/label-stalls.csv" > "$D/run-label.log" 2>&1
kill $TP; sleep 1
cp -r /run/vipkeeper-lab/logs "$D/" 2>/dev/null
