#!/bin/bash
# Overhead of conntrack sync at fixed connection rates (docs/benchmarks.md): TCP connections opened and reset through
# a VIP at each of RATES per second (0: as fast as the client goes), with sync off and then on (a lab each: up,
# measure, down), and every node's conntrackd CPU, memory and conntrack counters while the load runs. The backends are
# accept-and-close servers (conntrack-connect.py serve, ports 9100-9107) in the lab's pod namespaces, not the HTTP backends.
# Needs root and a lab-capable machine; takes about 4 minutes per mode with the defaults.
#
# TOP=1 also prints the busiest processes of each run to stderr.
# MODES: off (no sync), on (sync: the VIP's holder sends every flow, the two other nodes inject them), sender (sync, but
# the two other nodes drop the sync datagrams before their conntrackd reads them: the holder's conntrackd does all its
# work, nothing is injected, so the 2 cores are left to the forwarding, the client and the sender, as if the peers were
# machines of their own).
# usage (from the repository root): sudo docs/data/conntrack-rates.sh [SECONDS=35] [RATES="2000 5000 10000 0"] [MODES="off on"] [PROCESSES=2]
# prints CSV (one row per mode, rate and node); CPU figures are over the steady window, second 12 to the end of each
# run (the kernel destroys a reset connection's entry 10 s after the reset, so from then on every second has as many
# DESTROY events as NEW ones): see the header line below for the columns.
set -euo pipefail
S=${1:-35}
RATES=${2:-"2000 5000 10000 0"}
MODES=${3:-"off on"}
PROCS=${4:-2}
VK=${VK:-./vipkeeper}
KC=/run/vipkeeper-lab/kubeconfig
PORTS=9100-9107 # eight Service ports: see conntrack-connect.py
STEADY_FROM=12
here=$(cd "$(dirname "$0")" && pwd)
hz=$(getconf CLK_TCK)
out=$(mktemp -d)

case "$S" in ''|*[!0-9]*) echo "SECONDS must be a whole number" >&2; exit 2;; esac
if [ "$S" -le $((STEADY_FROM + 5)) ] || [ "$S" -gt 60 ]; then echo "SECONDS must be $((STEADY_FROM + 6))..60" >&2; exit 2; fi
for r in $RATES; do case "$r" in *[!0-9]*) echo "RATES must be whole numbers" >&2; exit 2;; esac; done
for m in $MODES; do case "$m" in off|on|sender) ;; *) echo "MODES must be off, on and/or sender" >&2; exit 2;; esac; done

# shellcheck source=conntrack-lab.sh
. "$here/conntrack-lab.sh"
sys_ticks() { awk '{print $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
now() { date +%s.%N; }
cpu_line() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6, $8}' /proc/stat; } # total idle softirq (jiffies)
# kernel conntrack drops on a node: drop + early_drop + insert_failed, summed over CPUs
ct_drops() {
  ip netns exec "vk-node$1" conntrack -S 2>/dev/null | tr ' ' '\n' | awk -F= '$1=="drop"||$1=="early_drop"||$1=="insert_failed"{s+=$2} END{print s+0}'
}

servers=()
stop_servers() { for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done; servers=(); }
cleanup() { stop_servers; $VK lab down >/dev/null 2>&1 || true; rm -rf "$out"; }

run_rate() {
  local mode=$1 rate=$2 vip=$3
  declare -A pid t_steady s_steady rss entries drops0 c0
  for n in 1 2 3; do
    pid[$n]=$(conntrackd_pid $n || true)
    rss[$n]=0; entries[$n]=0
    drops0[$n]=$(ct_drops $n)
    c0[$n]=$(sync_counters $n "${pid[$n]}")
  done
  ip netns exec vk-client python3 "$here/conntrack-connect.py" connect "$vip" $PORTS "$S" "$rate" 256 "$PROCS" > "$out/load" &
  local load=$! t0 t1 tk0 tk1 c_steady c_end
  t0=$(now)
  local steady_taken=""
  while kill -0 $load 2>/dev/null; do # once a second while the load runs (bounded by the load's own S <= 60)
    if [ -z "$steady_taken" ] && awk -v a="$t0" -v b="$(now)" -v f=$STEADY_FROM 'BEGIN{exit !(b-a >= f)}'; then
      steady_taken=1; tk0=$(now); c_steady=$(cpu_line)
      for n in 1 2 3; do
        t_steady[$n]=$( [ -n "${pid[$n]}" ] && ticks "${pid[$n]}" || echo 0)
        s_steady[$n]=$( [ -n "${pid[$n]}" ] && sys_ticks "${pid[$n]}" || echo 0)
      done
      if [ -n "${TOP:-}" ]; then # where the CPU goes: the busiest processes over 5 s, to stderr
        { echo "== $mode, $rate/s: top over 5 s from second $STEADY_FROM"; top -b -n 2 -d 5 -w 160 | awk '/^top -/{f++} f==2' | head -25 || true; } >&2
      fi
    fi
    for n in 1 2 3; do
      if [ -n "${pid[$n]}" ]; then
        r=$(awk '/VmRSS/{print $2}' "/proc/${pid[$n]}/status" 2>/dev/null || echo 0)
        if [ "${r:-0}" -gt "${rss[$n]}" ]; then rss[$n]=$r; fi
      fi
      e=$(ip netns exec "vk-node$n" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0)
      if [ "$e" -gt "${entries[$n]}" ]; then entries[$n]=$e; fi
    done
    sleep 1
  done
  tk1=$(now); c_end=$(cpu_line)
  declare -A t_end s_end
  for n in 1 2 3; do
    t_end[$n]=$( [ -n "${pid[$n]}" ] && ticks "${pid[$n]}" || echo 0)
    s_end[$n]=$( [ -n "${pid[$n]}" ] && sys_ticks "${pid[$n]}" || echo 0)
  done
  local load1; load1=$(cut -d' ' -f1 /proc/loadavg)
  wait $load
  # ok= failed= seconds= rate= p10= median= min= client_cpu_pct=
  read -r ok failed secs crate p10 med low ccpu < <(sed 's/[a-z_0-9]*=//g' "$out/load")
  read -r busy si < <(echo "$c_steady $c_end" | awk '{t=$4-$1; printf "%.0f %.0f\n", (t-($5-$2))/t*100, ($6-$3)/t*100}')
  for n in 1 2 3; do
    holds=no
    if ip -n "vk-node$n" -o -4 addr show | grep -q " $vip/"; then holds=yes; fi
    cpu="" syscpu="" cs=""
    if [ -n "${pid[$n]}" ]; then
      local win; win=$(awk -v a="$tk0" -v b="$tk1" 'BEGIN{print b-a}')
      cpu=$(awk -v a="${t_steady[$n]}" -v b="${t_end[$n]}" -v hz=$hz -v s="$win" 'BEGIN{printf "%.1f", (b-a)/hz/s*100}')
      syscpu=$(awk -v a="${s_steady[$n]}" -v b="${s_end[$n]}" -v hz=$hz -v s="$win" 'BEGIN{printf "%.1f", (b-a)/hz/s*100}')
      cs=$(paste -d' ' <(echo "${c0[$n]}" | tr ' ' '\n') <(sync_counters $n "${pid[$n]}" | tr ' ' '\n') | awk '{print $2-$1}' | paste -sd,)
    else
      cs=",,,,,,,,"
    fi
    dr=$(( $(ct_drops $n) - ${drops0[$n]} ))
    echo "$mode,$rate,$secs,$ok,$failed,$crate,$p10,$med,$low,$ccpu,$busy,$si,$load1,vk-node$n,$holds,$cpu,$syscpu,${rss[$n]},${entries[$n]},$dr,$cs"
  done
}

measure() {
  local mode=$1; shift
  $VK lab up "$@" >/dev/null
  trap cleanup EXIT
  ip netns list | grep -q '^vk-client' || { echo "lab up left no vk-client namespace" >&2; exit 1; }
  # one client address: give it every port, so a port comes back after ~6 s at 10,000/s rather than ~3 s
  ip netns exec vk-client sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
  for ns in $(ip netns list | awk '/^vk-pod-/{print $1}'); do
    ip netns exec "$ns" python3 "$here/conntrack-connect.py" serve $PORTS 900 &
    servers+=($!)
  done
  kubectl --kubeconfig $KC apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: churn, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: hello}
  ports:
$(for p in $(seq ${PORTS%-*} ${PORTS#*-}); do echo "  - {name: churn-$p, port: $p, targetPort: $p, protocol: TCP}"; done)
YAML
  local vip=""
  for _ in $(seq 60); do
    vip=$(kubectl --kubeconfig $KC -n default get svc churn -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)
    if [ -n "$vip" ] && ip netns exec vk-client python3 "$here/conntrack-connect.py" connect "$vip" $PORTS 1 50 4 1 | grep -q '^ok=[1-9]'; then break; fi
    vip=""
    sleep 1
  done
  [ -n "$vip" ] || { echo "no VIP for Service churn" >&2; exit 1; }
  sleep 3 # every agent applied
  if [ "$mode" = sender ]; then # the peers drop the sync datagrams (conntrackd's multicast group is its UDP port)
    local group; group=$(awk '/Group/{print $2; exit}' "$(conntrackd_conf 1)")
    for n in 1 2 3; do
      ip -n "vk-node$n" -o -4 addr show | grep -q " $vip/" && continue
      ip netns exec "vk-node$n" nft -f - <<NFT
table inet vk-bench {
  chain input { type filter hook input priority raw - 10; udp dport $group drop; }
}
NFT
    done
  fi
  for rate in $RATES; do
    sleep $((STEADY_FROM)) # the previous run's entries expire (CLOSE: 10 s)
    run_rate "$mode" "$rate" "$vip"
  done
  stop_servers
  $VK lab down >/dev/null
  trap - EXIT
}

echo "mode,target_per_s,seconds,connected,failed,connected_per_s,p10_per_s,median_per_s,min_per_s,client_cpu_pct,machine_busy_pct,softirq_pct,load1,node,holds_vip,conntrackd_cpu_pct,conntrackd_sys_pct,conntrackd_rss_kb_max,kernel_entries_max,kernel_drops,cache_created,cache_updated,cache_destroyed,injected_created,injected_updated,injected_destroyed,mcast_pkts_sent,mcast_pkts_recv,msgs_lost"
for m in $MODES; do
  case "$m" in on|sender) measure "$m" --conntrack-sync;; *) measure off;; esac
done
rm -rf "$out"
