#!/bin/bash
# Overhead of conntrack sync (docs/benchmarks.md): HTTP requests per second through a VIP, each on a new TCP
# connection, with sync off and then on, in the same session (a lab each: up, measure, down), and conntrackd's CPU
# and memory on every node while the load runs. Needs root and a lab-capable machine; takes about 5 minutes.
#
# usage (from the repository root): sudo docs/data/conntrack-overhead.sh [SECONDS=20] [PARALLEL=64] [PROCESSES=2]
# prints CSV: mode,seconds,requests_ok,requests_failed,requests_per_s,node,conntrackd_cpu_pct,conntrackd_rss_kb_max,kernel_entries_max,holds_vip
set -euo pipefail
S=${1:-20}
P=${2:-64}
N=${3:-2}
VK=${VK:-./vipkeeper}
KC=/run/vipkeeper-lab/kubeconfig
here=$(cd "$(dirname "$0")" && pwd)
hz=$(getconf CLK_TCK)

# shellcheck source=conntrack-lab.sh
. "$here/conntrack-lab.sh"

measure() {
  local mode=$1; shift
  $VK lab up "$@" >/dev/null
  trap '$VK lab down >/dev/null 2>&1 || true' EXIT
  kubectl --kubeconfig $KC apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: load, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
YAML
  local vip=""
  for _ in $(seq 60); do
    vip=$(kubectl --kubeconfig $KC -n default get svc load -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)
    [ -n "$vip" ] && ip netns exec vk-client curl -sf -m 1 "http://$vip/" >/dev/null && break
    sleep 1
  done
  [ -n "$vip" ] || { echo "no VIP for Service load" >&2; exit 1; }
  sleep 3 # every agent applied
  declare -A pid before rss entries
  for n in 1 2 3; do
    pid[$n]=$(conntrackd_pid $n || true)
    if [ -n "${pid[$n]}" ]; then before[$n]=$(ticks "${pid[$n]}"); fi
    rss[$n]=0; entries[$n]=0
  done
  ip netns exec vk-client python3 "$here/conntrack-load.py" "$vip" 80 "$S" "$P" "$N" > /tmp/vk-load.out &
  local load=$!
  while kill -0 $load 2>/dev/null; do # sample once a second while the load runs (bounded by the load's own S)
    for n in 1 2 3; do
      if [ -n "${pid[$n]}" ]; then
        r=$(awk '/VmRSS/{print $2}' "/proc/${pid[$n]}/status")
        if [ "$r" -gt "${rss[$n]}" ]; then rss[$n]=$r; fi
      fi
      e=$(ip netns exec "vk-node$n" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0)
      if [ "$e" -gt "${entries[$n]}" ]; then entries[$n]=$e; fi
    done
    sleep 1
  done
  wait $load
  read -r ok failed secs rate < <(sed 's/[a-z]*=//g' /tmp/vk-load.out)
  for n in 1 2 3; do
    holds=no
    if ip -n "vk-node$n" -o -4 addr show dev eth0 | grep -q " $vip/"; then holds=yes; fi
    cpu=""
    if [ -n "${pid[$n]}" ]; then cpu=$(awk -v a="${before[$n]}" -v b="$(ticks "${pid[$n]}")" -v hz=$hz -v s="$secs" 'BEGIN{printf "%.1f", (b-a)/hz/s*100}'); fi
    echo "$mode,$secs,$ok,$failed,$rate,vk-node$n,$cpu,${rss[$n]},${entries[$n]},$holds"
  done
  $VK lab down >/dev/null
  trap - EXIT
}

echo "mode,seconds,requests_ok,requests_failed,requests_per_s,node,conntrackd_cpu_pct,conntrackd_rss_kb_max,kernel_entries_max,holds_vip"
measure off
measure on --conntrack-sync
