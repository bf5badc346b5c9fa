#!/bin/bash
# Reproduces keepalived #1603 (docs/benchmarks.md, "Split brain on a VIP change"); run as root. Namespaces sb-a, sb-b.
# usage: repro.sh MODE   MODE = plain | skip | excluded | skipinst
# Two namespaces sb-a (MASTER candidate, prio 201) and sb-b (prio 200) on a veth pair; VRRPv3 advert 0.1.
# Phase 1: both with VIPs .10,.11 ; wait for exactly one master. Phase 2: B gets .10,.11,.12 + SIGHUP.
# Observe for 3 s whether B holds the VIPs while A holds them too (split brain).
MODE=${1:-plain}  # plain (VIPs advertised) | skip | skipinst | excluded (no virtual_ipaddress) | lo (constant address on lo: the fix)
D=/tmp/sb/$MODE; rm -rf $D; mkdir -p $D
cleanup() {
  for p in $D/a.mypid $D/b.mypid; do [ -f $p ] && kill $(cat $p) 2>/dev/null; done
  sleep 0.3
  ip netns del sb-a 2>/dev/null; ip netns del sb-b 2>/dev/null
}
trap cleanup EXIT
ip netns add sb-a; ip netns add sb-b
ip link add sbveth0 netns sb-a type veth peer name sbveth1 netns sb-b
ip -n sb-a link set sbveth0 name eth0; ip -n sb-b link set sbveth1 name eth0
ip -n sb-a addr add 198.51.100.1/24 dev eth0; ip -n sb-b addr add 198.51.100.2/24 dev eth0
for n in sb-a sb-b; do ip -n $n link set lo up; ip -n $n link set eth0 up; done

conf() { # file prio vips...
  local f=$1 prio=$2; shift 2
  {
  echo "global_defs {"
  echo "  vrrp_version 3"
  [ "$MODE" = skip ] && echo "  vrrp_skip_check_adv_addr"
  echo "}"
  echo "vrrp_instance vips {"
  echo "  state BACKUP"; echo "  interface eth0"; echo "  virtual_router_id 50"
  echo "  priority $prio"; echo "  nopreempt"; echo "  advert_int 0.1"
  [ "$MODE" = skipinst ] && echo "  skip_check_adv_addr"
  if [ "$MODE" = excluded ]; then
    echo "  virtual_ipaddress_excluded {"; for v in "$@"; do echo "    $v/32"; done; echo "  }"
  elif [ "$MODE" = fixed ]; then
    echo "  virtual_ipaddress {"; echo "    198.51.100.250/32"; echo "  }"
    echo "  virtual_ipaddress_excluded {"; for v in "$@"; do echo "    $v/32"; done; echo "  }"
  elif [ "$MODE" = lo ]; then
    echo "  virtual_ipaddress {"; echo "    127.255.0.50/32 dev lo scope host"; echo "  }"
    echo "  virtual_ipaddress_excluded {"; for v in "$@"; do echo "    $v/32"; done; echo "  }"
  else
    echo "  virtual_ipaddress {"; for v in "$@"; do echo "    $v/32"; done; echo "  }"
  fi
  echo "}"
  } > $f
}
ka() { # ns name
  ip netns exec $1 keepalived -n -l -D -P -f $D/$2.conf -p $D/$2.pid -r $D/$2.vrrp.pid -c $D/$2.chk.pid \
     >$D/$2.log 2>&1 &
  echo $! > $D/$2.mypid
}
conf $D/a.conf 201 198.51.100.10 198.51.100.11
conf $D/b.conf 200 198.51.100.10 198.51.100.11
keepalived -t -f $D/a.conf >$D/t.log 2>&1; echo "keepalived -t rc=$? $(head -c 300 $D/t.log)"
ka sb-a a; sleep 0.05; ka sb-b b
holds() { ip -n $1 -4 addr show dev eth0 | grep -c 'inet 198.51.100.1[0-9]/'; }
# wait (bounded) for exactly one holder
for i in $(seq 1 100); do
  ha=$(holds sb-a); hb=$(holds sb-b)
  if [ $((ha>0)) -ne $((hb>0)) ] && [ $((ha+hb)) -gt 0 ]; then break; fi; sleep 0.05
done
echo "settled: a=$ha b=$hb after ~$((i*50)) ms"
sleep 1
M=sb-a; Bk=b; BN=sb-b; Bprio=200; [ "$(holds sb-a)" -eq 0 ] && { M=sb-b; Bk=a; BN=sb-a; Bprio=201; }
echo "master=$M ; reloading backup $BN with one more VIP"
conf $D/$Bk.conf $Bprio 198.51.100.10 198.51.100.11 198.51.100.12
kill -HUP $(cat $D/$Bk.pid)
both=0; first=""
for i in $(seq 1 60); do  # 3 s
  hm=$(holds $M); hb=$(holds $BN)
  if [ $hm -gt 0 ] && [ $hb -gt 0 ]; then both=$((both+1)); [ -z "$first" ] && first=$((i*50)); fi
  sleep 0.05
done
echo "RESULT mode=$MODE samples_both_master=$both/60 first_at_ms=${first:-none}  final: $M=$(holds $M) $BN=$(holds $BN)"
# failover: stop the master, the other must take the VIPs and send gratuitous ARP for them
MK=a; [ $M = sb-b ] && MK=b; VP=$(cat $D/$MK.vrrp.pid); kill -STOP $VP  # the master stops advertising
t0=$(date +%s%N)
for i in $(seq 1 60); do [ $(holds $BN) -gt 0 ] && break; sleep 0.05; done
echo "failover: $BN holds $(holds $BN) after $(( ($(date +%s%N)-t0)/1000000 )) ms"
kill -CONT $VP
sleep 1; echo "gratuitous ARPs the new master logged for the VIPs:"; grep -c "Sending gratuitous ARP on eth0 for 198.51.100.1" $D/$Bk.log
echo "lo of $BN:"; ip -n $BN -4 addr show dev lo | grep inet; echo "lo of $M:"; ip -n $M -4 addr show dev lo | grep inet
grep -h -E "unexpected ip number|Entering|expected .* VIPs|not present" $D/a.log $D/b.log | tail -8
