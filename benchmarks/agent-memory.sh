#!/usr/bin/env bash
# Agent memory benchmark (issue #3 target: RSS <= 150 MB idle and with 5,000 Services x 2 ports x 10 endpoints).
#
#   sudo benchmarks/agent-memory.sh [COUNT]       (default COUNT=5000; prints RSS figures, leaves nothing behind)
#
# A `lab api` in the root namespace on a veth address, a controller handing out addresses from 2001:db8::/112, one
# Node object, and `vipkeeper agent` (nftables data plane, the launcher's JVM flags) in its own network namespace.
# `lab load-services` then creates COUNT Services with 2 ports and an EndpointSlice of 10 ready endpoints each. RSS
# is VmRSS from /proc, sampled every second. Addresses: 203.0.113.0/24 and 2001:db8:ffff::/64 on the veth only.
set -euo pipefail
count="${1:-5000}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "agent-memory: run as root (network namespaces)" >&2; exit 2; }
ns=vpkmem
work="$(mktemp -d /tmp/vipkeeper-mem.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  ip link del vpkmem-host 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/vipkeeper" --version >/dev/null   # builds the jar when needed
jar="$here/cli/target/vipkeeper-run.jar"

ip netns add "$ns"
ip link add vpkmem-host type veth peer name eth0 netns "$ns"
ip addr add 203.0.113.1/24 dev vpkmem-host
ip link set vpkmem-host up
ip -n "$ns" link set lo up
ip -n "$ns" addr add 203.0.113.11/24 dev eth0
ip -n "$ns" addr add 2001:db8:ffff::11/64 dev eth0 nodad
ip -n "$ns" link set eth0 up

kc="$work/kubeconfig"
java -Xmx2g -jar "$jar" lab api --listen 203.0.113.1:16443 --kubeconfig-out "$kc" --log-level warn >"$work/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$kc" ] && kubectl --kubeconfig "$kc" get ns >/dev/null 2>&1 && break; sleep 0.2; done
cat >"$work/node.yaml" <<'EOF'
apiVersion: v1
kind: Node
metadata: {name: mem-node}
status:
  addresses: [{type: InternalIP, address: 203.0.113.11}]
EOF
kubectl --kubeconfig "$kc" create -f "$work/node.yaml" >/dev/null

"$here/vipkeeper" controller --kubeconfig "$kc" --pool 2001:db8::/112 --leader-elect=false --health-port 10252 \
  --health-address 127.0.0.1 --log-level warn >"$work/controller.log" 2>&1 &
pids+=($!)
# through the launcher, so with its JVM flags (it execs java: $! is the JVM)
ip netns exec "$ns" env NODE_NAME=mem-node "$here/vipkeeper" agent --kubeconfig "$kc" \
  --services-configmap kube-system/vip-configmap --iface eth0 --dataplane nftables --run-dir "$work/run" --http-port 18080 \
  --log-level warn >"$work/agent.log" 2>&1 &
agent=$!
pids+=($agent)
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$agent/status"; }
for _ in $(seq 1 150); do ip netns exec "$ns" curl -sf http://127.0.0.1:18080/readyz >/dev/null 2>&1 && break; sleep 0.2; done
sleep 10
idle=$(rss)
echo "idle: RSS ${idle} MB"

java -Xmx1g -jar "$jar" lab load-services --kubeconfig "$kc" --count "$count" --ip-family IPv6 --ports 2 --endpoints 10 --keep \
  --metrics http://127.0.0.1:10252/metrics >"$work/load.log" 2>&1 || { cat "$work/load.log"; exit 1; }
echo "load: $(tail -1 "$work/load.log")"
# wait until the agent's keepalived.conf holds every VIP, then sample for 60 s
for _ in $(seq 1 300); do
  held=$(grep -c '2001:db8::' "$work/run/keepalived.conf" 2>/dev/null || true)
  [ "${held:-0}" -ge "$count" ] && break
  sleep 1
done
echo "VIPs in keepalived.conf: ${held:-0}"
max=0; last=0
for _ in $(seq 1 60); do
  last=$(rss); [ "$last" -gt "$max" ] && max=$last
  sleep 1
done
echo "with $count Services x 2 ports x 10 endpoints: RSS ${last} MB (max over 60 s: ${max} MB)"
# where it goes: the heap now, native memory (with VIPKEEPER_JAVA_OPTS=-XX:NativeMemoryTracking=summary), then the
# live objects (the histogram runs a full GC) and the heap after it
jcmd "$agent" GC.heap_info 2>/dev/null | sed 's/^/  /' || true
if [[ "${VIPKEEPER_JAVA_OPTS:-}" == *NativeMemoryTracking* ]]; then
  jcmd "$agent" VM.native_memory summary 2>/dev/null | grep -E '^-|committed' | grep -E '^-' | sed 's/^/  /' || true
fi
jcmd "$agent" GC.class_histogram 2>/dev/null | head -23 | sed 's/^/  /' || true
jcmd "$agent" GC.heap_info 2>/dev/null | sed 's/^/  /' || true
echo "after a full GC: RSS $(rss) MB"
