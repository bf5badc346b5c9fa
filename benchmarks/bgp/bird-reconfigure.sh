#!/bin/bash
# BIRD reconfigure 1 -> 5,000 -> 1 static /32s (bird.conf rendered by core's BirdConfig, one BGP peer), the router a
# second BIRD over a veth (namespaces bgpm-n, bgpm-r; addresses from 198.51.100.0/24 and 203.0.0.0/16 inside them only).
# Root. From the repository root after a build (mvn -q -o -pl core compile): sudo benchmarks/bgp/bird-reconfigure.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
N=bgpm-n R=bgpm-r D=${WORK:-/tmp/vk-bgp-bench}
mkdir -p "$D"
java -cp "$HERE/../../core/target/classes" "$HERE/Gen.java" "$D"
cp "$HERE/router.conf" "$D/router.conf"
cleanup() { [ -f $D/n.pid ] && kill $(cat $D/n.pid) 2>/dev/null; [ -f $D/r.pid ] && kill $(cat $D/r.pid) 2>/dev/null; ip netns del $N 2>/dev/null; ip netns del $R 2>/dev/null; }
trap cleanup EXIT
cleanup
ip netns add $N; ip netns add $R
ip -n $N link add eth0 type veth peer name eth0 netns $R
ip -n $N addr add 198.51.100.11/24 dev eth0; ip -n $R addr add 198.51.100.1/24 dev eth0
for ns in $N $R; do ip -n $ns link set eth0 up; ip -n $ns link set lo up; done
cp $D/node-1.conf $D/node.conf
ip netns exec $R bird -c $D/router.conf -s $D/r.ctl -P $D/r.pid
ip netns exec $N bird -c $D/node.conf -s $D/n.ctl -P $D/n.pid
count() { birdc -s $D/r.ctl show route count | awk '/in table master4/ {print $1}'; }
end=$(( $(date +%s) + 30 )); until [ "$(count)" = 1 ]; do [ $(date +%s) -lt $end ] || { echo timeout; exit 1; }; sleep 0.05; done
echo "round,direction,configure_s,router_has_all_s"
for r in 1 2 3 4 5; do
  for dir in up down; do
    if [ $dir = up ]; then cp $D/node-5000.conf $D/node.conf; want=5000; else cp $D/node-1.conf $D/node.conf; want=1; fi
    t0=$(date +%s.%N); birdc -s $D/n.ctl configure >/dev/null; t1=$(date +%s.%N)
    end=$(( $(date +%s) + 60 )); until [ "$(count)" = $want ]; do [ $(date +%s) -lt $end ] || { echo timeout; exit 1; }; sleep 0.02; done
    t2=$(date +%s.%N)
    echo "$r,$dir,$(echo "$t1 - $t0" | bc),$(echo "$t2 - $t0" | bc)"
  done
done
