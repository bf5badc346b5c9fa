#!/bin/bash
# Root, from anywhere: conntrack-label-fast-probe-run.sh's lab (NODES=3, the nodes on CPU 1 by default) and rounds, with
# every TCP header on the LAN bridge captured (not only SYNs and RSTs) and, once a second, each node's conntrackd
# counters (its own cache: active, created, updated; injected from the peers: created, updated) and the kernel's
# conntrack invalid and drop counts, into DIR/sync-stats.txt: to see which node's conntrackd sends what when every
# connection through the VIP stops getting answers (the fourteenth session's rounds 11 and 12).
# Usage: conntrack-label-hang-run.sh DIR   (ROUNDS, INTERVAL, NODES, UP_FLAGS as in conntrack-label-fast-probe-run.sh)
cd "$(dirname "$0")/../.." || exit 1
D=$1; [ -n "$D" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$D"
N=${NODES:-3}
./vipkeeper lab down >/dev/null 2>&1
./vipkeeper lab up --nodes "$N" --conntrack-sync ${UP_FLAGS:---node-cpus 1} > "$D/up.log" 2>&1 || { echo "lab up failed: $D/up.log" >&2; exit 1; }
ip netns exec vk-lan tcpdump -i br0 -n -U -s 96 -w "$D/cap.pcap" 'arp or vrrp or tcp' > "$D/tcpdump.log" 2>&1 &
TD=$!
( while sleep 1; do
    for n in $(seq 1 "$N"); do
      s=$(ip netns exec vk-node$n conntrackd -C /run/vipkeeper-lab/node$n/conntrackd.conf -s 2>/dev/null | awk '
        /^cache internal/ {sec="c"} /^external inject/ {sec="i"} /^traffic processed/ {sec=""}
        sec=="c" && /current active/ {a=$NF} sec=="c" && /created/ {cc=$3} sec=="c" && /updated/ {cu=$3}
        sec=="i" && /created/ {ic=$3} sec=="i" && /updated/ {iu=$3}
        END {printf "cache_active=%s cache_created=%s cache_updated=%s injected_created=%s injected_updated=%s", a, cc, cu, ic, iu}')
      k=$(ip netns exec vk-node$n conntrack -S 2>/dev/null | awk '{for(i=1;i<=NF;i++){split($i,kv,"="); if(kv[1]=="invalid")inv+=kv[2]; if(kv[1]=="drop")dr+=kv[2]}} END {printf "ct_invalid=%d ct_drop=%d", inv, dr}')
      echo "$(date +%T.%N | cut -c1-12) vk-node$n $s $k"
    done
  done > "$D/sync-stats.txt" ) &
SP=$!
trap 'kill $TD $PR $SP 2>/dev/null; ./vipkeeper lab down >/dev/null 2>&1' EXIT
./vipkeeper lab failover --connections 50 --planned label --rounds "${ROUNDS:-30}" --csv "$D/label.csv" --stalls-csv "$D/label-stalls.csv" > "$D/run-label.log" 2>&1 &
FO=$!
for i in $(seq 1 120); do
  VIP=$(kubectl --kubeconfig /run/vipkeeper-lab/kubeconfig get svc echo -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null)
  [ -n "$VIP" ] && break; sleep 1
done
CPUS=$(./vipkeeper lab status 2>/dev/null | sed -n 's/.*client and pods on \([0-9,-]*\).*/\1/p')
ip netns exec vk-client taskset -c "${CPUS:-0-63}" ./vipkeeper lab probe --host "$VIP" --port 80 --interval-ms "${INTERVAL:-2}" \
  --timeout-ms 1000 --count 2000000 --duration-s 1800 > "$D/probe.txt" 2>&1 &
PR=$!
wait $FO
cp -r /run/vipkeeper-lab/logs "$D/" 2>/dev/null
