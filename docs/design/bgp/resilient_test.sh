#!/usr/bin/env bash
# Compares kernel ECMP nexthop groups: hash-threshold (mpath, what FRR 8.4 installs) vs resilient. In a throwaway ns
# bgp-rtest: which of 1,000 TCP 5-tuples change nexthop when one of three nexthops is removed / added back.
set -euo pipefail
trap 'ip netns del bgp-rtest 2>/dev/null || true' EXIT
ip netns add bgp-rtest; R="ip -n bgp-rtest"
$R link add ra type veth peer name rb; $R link set ra up; $R link set rb up; $R link set lo up
$R addr add 198.51.100.1/24 dev ra; $R addr add 203.0.113.50/32 dev lo
ip netns exec bgp-rtest sysctl -qw net.ipv4.fib_multipath_hash_policy=1
for i in 1 2 3; do $R nexthop add id $i via 198.51.100.1$i dev ra; done
B=$(mktemp); for sp in $(seq 20000 20999); do echo "route get 198.51.100.200 from 203.0.113.50 ipproto tcp sport $sp dport 80"; done >"$B"
get() { $R -batch "$B" | grep -o 'via [0-9.]*' | cut -d' ' -f2; }
for type in mpath resilient; do
  args=""; [ $type = resilient ] && args="type resilient buckets 240 idle_timer 0"
  $R nexthop add id 10 group 1/2/3 $args
  $R route add 198.51.100.200/32 nhid 10
  for dead in 1 2 3; do
    get >/tmp/rt_b.txt
    rest=$(printf '1\n2\n3\n' | grep -v $dead | paste -sd/)
    $R nexthop replace id 10 group "$rest" $args
    get >/tmp/rt_a.txt
    $R nexthop replace id 10 group 1/2/3 $args
    get >/tmp/rt_c.txt
    moved=$(paste -d' ' /tmp/rt_b.txt /tmp/rt_a.txt | awk -v d=198.51.100.1$dead '$1==d{next} {s++; if($1!=$2) m++} END{printf "%d of %d", m, s}')
    back=$(paste -d' ' /tmp/rt_a.txt /tmp/rt_c.txt | awk -v d=198.51.100.1$dead '$1!=$2{m++; if($2==d) o++} END{printf "%d of 1000 (%d onto it)", m, o}')
    echo "$type: remove nh$dead: survivors' flows moved $moved; re-adding it moves $back"
  done
  $R route del 198.51.100.200/32; $R nexthop del id 10
done
