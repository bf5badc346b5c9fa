#!/bin/bash
# conntrackd's CPU and memory at 10,000 connections/s opened and closed, with sync on (docs/benchmarks.md). Real TCP
# through a VIP tops out near 2,000/s with sync on on 2 cores (conntrack-rates.sh: the client, backends and NAT share
# them), so the connections here are synthetic: conntrack-synthetic.py writes each one's life (SYN_SENT, ESTABLISHED,
# FIN_WAIT, TIME_WAIT, deleted: five events) into the MASTER's kernel table through ctnetlink, and every node's
# conntrackd does what it would do for real ones: the MASTER's syncs them, the others inject them.
# Needs root; starts its own lab (lab up --conntrack-sync) and takes it down. About 1 minute per rate.
# usage (from the repository root): sudo docs/data/conntrack-synthetic.sh [SECONDS=30] [RATES="1000 5000 10000"]
# prints CSV, one row per rate and node: CPU over the run (user+system, % of one core), RSS max, conntrackd's counters.
set -euo pipefail
S=${1:-30}
RATES=${2:-"1000 5000 10000"}
VK=${VK:-./vipkeeper}
here=$(cd "$(dirname "$0")" && pwd)
hz=$(getconf CLK_TCK)
case "$S" in ''|*[!0-9]*) echo "SECONDS must be a whole number" >&2; exit 2;; esac
if [ "$S" -lt 5 ] || [ "$S" -gt 120 ]; then echo "SECONDS must be 5..120" >&2; exit 2; fi
for r in $RATES; do case "$r" in ''|*[!0-9]*) echo "RATES must be whole numbers" >&2; exit 2;; esac; done

# shellcheck source=conntrack-lab.sh
. "$here/conntrack-lab.sh"
# sync_counters' cache created (the flows it sends), injected created, updated, destroyed (what it received)
counters() { sync_counters "$1" "$2" | awk '{print $1, $4, $5, $6}'; }
trap '$VK lab down >/dev/null 2>&1 || true' EXIT
$VK lab down >/dev/null 2>&1 || true
$VK lab up --conntrack-sync >/dev/null
kubectl --kubeconfig /run/vipkeeper-lab/kubeconfig apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: synthetic, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
YAML
master="" vip=""
for i in $(seq 1 60); do # the node that holds the Service's VIP: the MASTER
  vip=$(kubectl --kubeconfig /run/vipkeeper-lab/kubeconfig get svc synthetic -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)
  for n in 1 2 3; do
    if [ -n "$vip" ] && ip -n "vk-node$n" -o -4 addr show dev eth0 | grep -q " $vip/"; then master=$n; fi
  done
  [ -n "$master" ] && break
  sleep 1
done
[ -n "$master" ] || { echo "no node holds the VIP of Service synthetic (${vip:-none yet})" >&2; exit 1; }
sleep 5 # the transitions' bulk sends (3 s after them) are over
echo "rate_per_s,seconds,started,netlink_errors,node,master,conntrackd_cpu_pct,conntrackd_rss_kb_max,cache_created,injected_created,injected_updated,injected_destroyed,machine_busy_pct"
for rate in $RATES; do
  declare -A pid t0 rss c0
  for n in 1 2 3; do pid[$n]=$(conntrackd_pid $n); t0[$n]=$(ticks "${pid[$n]}"); rss[$n]=0; c0[$n]=$(counters $n "${pid[$n]}"); done
  cpu0=$(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)
  start=$(date +%s.%N)
  ip netns exec "vk-node$master" python3 "$here/conntrack-synthetic.py" "$rate" "$S" "$vip" > /tmp/conntrack-synthetic.out &
  gen=$!
  while kill -0 $gen 2>/dev/null; do # once a second, bounded by the generator's own S <= 120
    for n in 1 2 3; do
      r=$(awk '/VmRSS/{print $2}' "/proc/${pid[$n]}/status" 2>/dev/null || echo 0)
      if [ "${r:-0}" -gt "${rss[$n]}" ]; then rss[$n]=$r; fi
    done
    sleep 1
  done
  wait $gen
  sleep 2 # the last messages reach the peers
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')
  busy=$(echo "$cpu0 $(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)" | awk '{t=$3-$1; printf "%.0f", (t-($4-$2))/t*100}')
  read -r started errors < <(awk '/^done:/{print $2, $(NF-2)}' /tmp/conntrack-synthetic.out)
  for n in 1 2 3; do
    cpu=$(awk -v a="${t0[$n]}" -v b="$(ticks "${pid[$n]}")" -v hz=$hz -v s="$secs" 'BEGIN{printf "%.1f", (b-a)/hz/s*100}')
    d=$(paste -d' ' <(echo "${c0[$n]}" | tr ' ' '\n') <(counters $n "${pid[$n]}" | tr ' ' '\n') | awk '{print $2-$1}' | paste -sd,)
    echo "$rate,$S,$started,$errors,vk-node$n,$([ "$n" = "$master" ] && echo yes || echo no),$cpu,${rss[$n]},$d,$busy"
  done
done
