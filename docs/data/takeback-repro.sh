#!/bin/bash
# Does a restarted (or stalled) higher-priority BACKUP with nopreempt take the VIP from the MASTER? keepalived 2.2.7,
# VRRPv3, advert 0.1 s, unicast, two namespaces hh-a (priority 100, MASTER first) and hh-b (200) on a veth pair.
# Root; used for docs/benchmarks.md, "Established connections through a failover" (the planned-handover take-back).
D=$(mktemp -d); mkdir -p $D; rm -f $D/*
cleanup() { for n in a b; do [ -f $D/ka-$n.kpid ] && kill $(cat $D/ka-$n.kpid) 2>/dev/null; done; sleep 0.5; ip netns del hh-a 2>/dev/null; ip netns del hh-b 2>/dev/null; }
trap cleanup EXIT
ip netns add hh-a; ip netns add hh-b
ip link add hh-va netns hh-a type veth peer name hh-vb netns hh-b
ip -n hh-a addr add 198.51.100.1/24 dev hh-va; ip -n hh-b addr add 198.51.100.2/24 dev hh-vb
for n in a b; do ip -n hh-$n link set lo up; done; ip -n hh-a link set hh-va up; ip -n hh-b link set hh-vb up
for n in a b; do
  if [ $n = a ]; then prio=100; src=198.51.100.1; peer=198.51.100.2; dev=hh-va; else prio=200; src=198.51.100.2; peer=198.51.100.1; dev=hh-vb; fi
  cat > $D/k-$n.conf <<C
global_defs {
  vrrp_version 3
}
vrrp_instance vips {
  state BACKUP
  interface $dev
  virtual_router_id 51
  priority $prio
  nopreempt
  advert_int 0.1
  unicast_src_ip $src
  unicast_peer {
    $peer
  }
  virtual_ipaddress {
    127.255.0.51 dev lo scope host
  }
  virtual_ipaddress_excluded {
    198.51.100.100
  }
}
C
done
start() { ip netns exec hh-$1 keepalived -P -n -l -D -f $D/k-$1.conf -p $D/ka-$1.kpid -r $D/ka-$1.vpid >> $D/ka-$1.out 2>&1 & sleep 0.05; }
stop() { kill $(cat $D/ka-$1.kpid); while [ -f $D/ka-$1.kpid ] && kill -0 $(cat $D/ka-$1.kpid) 2>/dev/null; do sleep 0.05; done; }
holder() { a=$(ip -n hh-a -br addr show dev hh-va | grep -c 198.51.100.100); b=$(ip -n hh-b -br addr show dev hh-vb | grep -c 198.51.100.100); echo "A=$a B=$b"; }
start a; sleep 1.5; start b; sleep 1.5; echo "initial (A first, B higher prio started later): $(holder)"
for i in $(seq 1 10); do stop b; sleep 0.3; start b; sleep 1.5; echo "B restarted #$i: $(holder)"; done
for i in 1 2 3; do stop b; sleep 0.3; start b; sleep 0.15; vp=$(cat $D/ka-b.vpid 2>/dev/null); [ -n "$vp" ] && kill -STOP $vp; sleep 0.6; [ -n "$vp" ] && kill -CONT $vp; sleep 1.5; echo "B restarted, its VRRP process stalled 0.6 s at start #$i (vpid $vp): $(holder)"; done
# stall: B's VRRP process stopped 0.6 s (CPU starvation), then continued
for t in 0.6 1.5; do vp=$(cat $D/ka-b.vpid); kill -STOP $vp; sleep $t; kill -CONT $vp; sleep 2; echo "B's VRRP process stalled $t s: $(holder)"; done
grep -h "Entering\|higher\|lower\|prio" $D/ka-a.out | tail -6 | sed 's/^/A: /'
grep -h "Entering\|higher\|lower\|prio" $D/ka-b.out | tail -6 | sed 's/^/B: /'
