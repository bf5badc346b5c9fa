#!/usr/bin/env bash
# How far apart the VRRP master's adverts leave it while real-time hogs hold both cores: docs/benchmarks.md,
# "Real-time VRRP under real-time hogs: the kernel's once-a-second stop".
#
# Captures VRRP on the lab's bridge (tcpdump runs SCHED_FIFO 30, above the hogs, so the capture is not what is late)
# for the length of a `lab soak --stress rt`, then prints one CSV row per (master, peer) pair: the gaps between
# consecutive adverts. Needs a running lab with a LoadBalancer Service default/hello, e.g.:
#   sudo ./vipkeeper lab up --failover-profile fast
#   kubectl --kubeconfig /run/vipkeeper-lab/kubeconfig create -f hello.yaml   (Service default/hello, app=hello, 80 -> 8080)
# Usage: sudo benchmarks/vrrp-advert-gaps.sh LABEL [MINUTES] [CSV]
# No test traffic: the capture only listens; stress-ng and the capture are bounded by the soak's length.
set -euo pipefail
label=${1:?usage: $0 LABEL [MINUTES] [CSV]}
minutes=${2:-2}
csv=${3:-vrrp-advert-gaps.csv}
cd "$(dirname "$0")/.."
jar=cli/target/vipkeeper.jar
[ -f "$jar" ] || { echo "build first: mvn -q install -DskipTests" >&2; exit 2; }
ip netns list | grep -q '^vk-lan' || { echo "no lab runs: sudo ./vipkeeper lab up --failover-profile fast" >&2; exit 2; }
cap=$(mktemp)
trap 'rm -f "$cap"' EXIT
ip netns exec vk-lan chrt --fifo 30 timeout $((minutes * 60 + 120)) tcpdump -i br0 -n -tt -l -B 8192 vrrp > "$cap" 2>/dev/null &
tcpdump=$!
sleep 1
java -jar "$jar" lab soak --minutes "$minutes" --stress rt
kill -INT "$tcpdump" 2>/dev/null || true
wait "$tcpdump" 2>/dev/null || true
[ -f "$csv" ] || echo "label,master,peer,adverts,median_ms,p99_ms,max_ms,gaps_over_45ms,gaps_over_60ms" > "$csv"
# tcpdump -tt: "TIME IP SRC > DST: VRRPv3, Advertisement, ..."; a gap per (SRC, DST) between consecutive adverts
awk '/Advertisement/ { k = $3 "," substr($5, 1, length($5) - 1); if (k in last) print k, ($1 - last[k]) * 1000; last[k] = $1 }' "$cap" \
    | sort -k1,1 -k2,2n | awk -v label="$label" '
        { key = $1; g[key, ++n[key]] = $2 }
        END { for (k in n) { c = n[k]; if (c < 10) continue; o45 = 0; o60 = 0
                for (i = 1; i <= c; i++) { if (g[k, i] > 45) o45++; if (g[k, i] > 60) o60++ }
                printf "%s,%s,%d,%.1f,%.1f,%.1f,%d,%d\n", label, k, c + 1, g[k, int((c + 1) / 2)], g[k, int(c * 0.99)], g[k, c], o45, o60 } }' \
    | tee -a "$csv"
