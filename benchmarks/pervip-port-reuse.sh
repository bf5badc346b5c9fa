#!/usr/bin/env bash
# Requests through a VIP while its first holder's keepalived is SIGKILLed again and again, long enough for the client's
# ports to come round (~28,000 ephemeral ports: at 200 connections/s after ~2.5 minutes): docs/benchmarks.md,
# "Per-vip with sync: lost requests where a client port comes round again".
#
# Needs a running lab with conntrack sync and a LoadBalancer Service, e.g.:
#   sudo ./vipkeeper lab up --vrrp-instances per-vip --conntrack-sync
#   kubectl --kubeconfig /run/vipkeeper-lab/kubeconfig create -f hello.yaml   (Service default/hello, app=hello, 80 -> 8080)
# Usage: sudo benchmarks/pervip-port-reuse.sh VIP [CYCLES] [CSV]
# Traffic goes only from the lab's vk-client namespace to the VIP; every loop is bounded (CYCLES x 13 s).
set -euo pipefail
vip=${1:?usage: $0 VIP [CYCLES] [CSV]}
cycles=${2:-12}
csv=${3:-pervip-port-reuse.csv}
cd "$(dirname "$0")/.."
jar=cli/target/vipkeeper.jar
[ -f "$jar" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 2; }
holder=$(./vipkeeper lab status 2>/dev/null | awk -v v="$vip" '$1==v && $2 ~ /^vk-node/ {print $2; exit}')
[ -n "$holder" ] || { echo "no node holds $vip: is the lab up with a Service on it?" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# 4 workers, a new connection every 5 ms each, 1 s timeout
ip netns exec vk-client timeout $((cycles * 13 + 60)) java -jar "$jar" lab probe --host "$vip" \
    --duration-s $((cycles * 13 + 10)) --interval-ms 5 --parallel 4 --timeout-ms 1000 > "$out" 2>&1 &
probe=$!
sleep 5
for i in $(seq 1 "$cycles"); do
  pid=$(for p in $(ip netns pids "$holder"); do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = keepalived ] && echo "$p"; done | sort -n | head -1)
  echo "$(date -u +%T) cycle $i: SIGKILL keepalived ${pid:-(not running)} in $holder"
  [ -n "$pid" ] && kill -9 "$pid"
  sleep 13
done
wait "$probe" || true
# per second: requests answered, failed with a read timeout (connected, no answer), failed to connect
echo "second_utc,ok,read_timeouts,connect_failures" > "$csv"
awk '{s=strftime("%H:%M:%S", int($2/1e6), 1); if ($1=="OK") ok[s]++; else if ($4 ~ /read@/) rd[s]++; else cn[s]++; all[s]=1}
     END {for (s in all) printf "%s,%d,%d,%d\n", s, ok[s], rd[s], cn[s]}' "$out" | sort >> "$csv"
awk -F, 'NR>1 {ok+=$2; rd+=$3; cn+=$4} END {printf "requests answered %d, read timeouts %d, connect failures %d\n", ok, rd, cn}' "$csv"
echo "per second: $csv"
