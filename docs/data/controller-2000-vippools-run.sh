#!/bin/bash
# 2,000-Service benchmark with pools as VipPool objects (no --pool flag)
set -u
R="$(cd "$(dirname "$0")/../.." && pwd)"
J="java -XX:+UseSerialGC -Xms16m -Xmx192m -XX:MaxNewSize=12m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps -XX:MaxMetaspaceSize=96m -Xss512k -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -jar $R/cli/target/vipkeeper.jar"
JL="java -XX:+UseSerialGC -Xms16m -Xmx1g -XX:MaxMetaspaceSize=96m -Xss512k -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -jar $R/cli/target/vipkeeper.jar"
dir="$(mktemp -d)"; cd "$dir"
$JL lab api --listen 127.0.0.1:16743 --kubeconfig-out lab.kubeconfig > api.log 2>&1 &
API=$!
for i in $(seq 100); do [ -f lab.kubeconfig ] && kubectl --kubeconfig lab.kubeconfig get ns >/dev/null 2>&1 && break; sleep 0.3; done
export HOME="$dir" KUBECACHEDIR="$dir/kcache"
kubectl --kubeconfig lab.kubeconfig apply -f $R/deploy/helm/vipkeeper/crds/vippools.vipkeeper.io.yaml
cat > pools.yaml <<'Y'
apiVersion: vipkeeper.io/v1alpha1
kind: VipPool
metadata: {name: lan}
spec: {addresses: [192.0.2.200/29]}
---
apiVersion: vipkeeper.io/v1alpha1
kind: VipPool
metadata: {name: v6}
spec: {addresses: ["2001:db8::/116"]}
Y
kubectl --kubeconfig lab.kubeconfig apply -f pools.yaml
$J controller --kubeconfig lab.kubeconfig --health-port 17552 --health-address 127.0.0.1 --lease-namespace default > controller.log 2>&1 &
CTL=$!
for i in $(seq 100); do curl -sf http://127.0.0.1:17552/readyz >/dev/null && break; sleep 0.3; done
uptime
$J lab load-services --kubeconfig lab.kubeconfig --count 2000 --ip-family IPv6 --metrics http://127.0.0.1:17552/metrics --keep
uptime
kubectl --kubeconfig lab.kubeconfig get vippools
curl -s http://127.0.0.1:17552/metrics | grep -E "^vipkeeper_(pool|api_writes)"
kill $CTL $API
wait
