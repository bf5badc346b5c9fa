#!/bin/bash
# Root, from anywhere: a new 2-node lab (--conntrack-sync, all on the shared cores), ROUNDS label rounds of
# `lab failover --connections 50` with a second probe in vk-client sending a new request every INTERVAL ms (default 2:
# 500/s) beside the failover's own (every 10 ms), and a capture of every SYN, SYN-ACK and RST, ARP and VRRP on the LAN
# bridge; at the end each pod's listen-queue drops (TcpExtListenOverflows, TcpExtListenDrops).
# Usage: conntrack-label-fast-probe-run.sh DIR   (then: python3 docs/data/conntrack-failed-syns.py DIR)
# NODES=3 UP_FLAGS="--node-cpus 1" for three nodes on a CPU of their own (run S's lab); ROUNDS, INTERVAL as below.
cd "$(dirname "$0")/../.." || exit 1
D=$1; [ -n "$D" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$D"
./vipkeeper lab down >/dev/null 2>&1
./vipkeeper lab up --nodes "${NODES:-2}" --conntrack-sync ${UP_FLAGS:-} > "$D/up.log" 2>&1 || { echo "lab up failed: $D/up.log" >&2; exit 1; }
ip netns exec vk-lan tcpdump -i br0 -n -U -w "$D/cap.pcap" 'arp or vrrp or (tcp[tcpflags] & (tcp-syn|tcp-rst) != 0)' > "$D/tcpdump.log" 2>&1 &
TD=$!
trap 'kill $TD $PR 2>/dev/null; ./vipkeeper lab down >/dev/null 2>&1' EXIT
./vipkeeper lab failover --connections 50 --planned label --rounds "${ROUNDS:-20}" --csv "$D/label.csv" --stalls-csv "$D/label-stalls.csv" > "$D/run-label.log" 2>&1 &
FO=$!
for i in $(seq 1 120); do   # lab failover creates Service echo: its VIP, 2 minutes at most
  VIP=$(kubectl --kubeconfig /run/vipkeeper-lab/kubeconfig get svc echo -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null)
  [ -n "$VIP" ] && break; sleep 1
done
ip netns exec vk-client ./vipkeeper lab probe --host "$VIP" --port 80 --interval-ms "${INTERVAL:-2}" --timeout-ms 1000 \
  --count 2000000 --duration-s 1800 > "$D/probe.txt" 2>&1 &
PR=$!
wait $FO
for ns in $(ip netns list | awk '/vk-pod/{print $1}'); do
  echo "$ns $(ip netns exec "$ns" nstat -az TcpExtListenOverflows TcpExtListenDrops | tail -2 | tr -s ' ' | tr '\n' ' ')"
done > "$D/listen-drops.txt"
cp -r /run/vipkeeper-lab/logs "$D/" 2>/dev/null
