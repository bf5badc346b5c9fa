#!/usr/bin/env bash
# BGP-mode prototype for vipkeeper issue #11: 3 BIRD nodes -> FRR router (ECMP) -> client, all in bgp-* namespaces
# around the root bridge bgpbr0. Usage: ./run.sh all | setup | teardown | measure-* (see the bottom).
# Bounded: every wait loop has a deadline; `all` tears down on exit (trap), whatever happens.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
RUN=$HERE/run                      # generated configs, sockets, logs, pid files
RES=${RES:-$HERE/results}           # measured output
N=3
LAN4=198.51.100 LAN6=2001:db8:100: CL4=203.0.113 CL6=2001:db8:203:
VIP4=198.51.100.200 VIP6=2001:db8:200::200
ROUTER_AS=65000 NODE_AS=65100
FRR_NAME=bgp-router                # FRR path space: /var/run/frr/bgp-router, /etc/frr/bgp-router
BRIDGE=bgpbr0

log() { printf '%s %s\n' "$(date +%T.%3N)" "$*" >&2; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
birdc_() { local i=$1; shift; birdc -s "$RUN/node$i/bird.ctl" "$@"; }
vty() { nsx bgp-router vtysh -N "$FRR_NAME" "$@"; }
now() { date +%s.%N; }

# ---------------------------------------------------------------- BIRD config renderer (what the Java agent would do)
# bird_conf I BFD(on|off) VIPS4 VIPS6   (VIPS* = space-separated addresses; may be empty)
bird_conf() {
  local i=$1 bfd=$2 vips4=$3 vips6=$4 ip4="$LAN4.1$1" ip6="${LAN6}:1$1"
  local bfdline="bfd off;"; [ "$bfd" = on ] && bfdline="bfd on;"
  cat <<EOF
# node$i — rendered by run.sh (vipkeeper BGP prototype). BIRD 2.0.12.
log "$RUN/node$i/bird.log" { info, remote, warning, error, auth, fatal, bug, trace };
timeformat protocol iso long;          # "Since" = "YYYY-MM-DD hh:mm:ss" in show protocols: stable to parse
router id $ip4;

# Interface scan only; no kernel protocol: BIRD never writes the node's FIB (routes are only announced).
protocol device { scan time 10; }

# The VIP set: one static protocol per family, one blackhole /32 (/128) per VIP. Only these routes are exported.
# Adding/removing a line + "birdc configure" adds/withdraws exactly that prefix; the BGP sessions stay up.
protocol static vips4 {
  ipv4;
$(for v in $vips4; do echo "  route $v/32 blackhole { bgp_community.add(($ROUTER_AS,100)); bgp_large_community.add(($NODE_AS,1,$i)); };"; done)
}
protocol static vips6 {
  ipv6;
$(for v in $vips6; do echo "  route $v/128 blackhole { bgp_community.add(($ROUTER_AS,100)); };"; done)
}

# Export filter: belt and braces — the route must come from our static protocol AND be a host route in the pool.
filter vip_export4 {
  if proto != "vips4" then reject;
  if net !~ [ 198.51.100.0/24{32,32} ] then reject;
  bgp_med = 0;                  # eBGP: MED is sent, local-pref is not (BIRD drops it on eBGP)
  accept;
}
filter vip_export6 {
  if proto != "vips6" then reject;
  if net !~ [ 2001:db8::/32{128,128} ] then reject;
  accept;
}

# BFD: 100 ms x 3 on the LAN interface (single hop). For multihop peers add a "multihop { ... };" block.
protocol bfd {
  interface "eth0" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
}

template bgp uplink {
  local as $NODE_AS;
  hold time 3; keepalive time 1;        # 3 s is the RFC minimum; the negotiated value is min(ours, theirs)
  connect delay time 1;                 # defaults: 5 s
  connect retry time 2;                 # default 120 s (!): a peer that was down is retried only this often
  error wait time 1, 10;                # default 60, 300 (!): back-off after an error (e.g. hold timer expired)
  $bfdline
  # password "secret";                  # TCP-MD5; must match the router (neighbor X password secret)
  # multihop 2;                         # non-directly-connected peer (also: bfd multihop)
  graceful restart off;                 # withdrawals must take effect now, not after a restart timer
  debug { states, events };             # session state changes into the log (class "trace")
}

protocol bgp r4 from uplink {
  local $ip4 as $NODE_AS;
  source address $ip4;
  neighbor $LAN4.1 as $ROUTER_AS;
  ipv4 { import none; export filter vip_export4; };
}
protocol bgp r6 from uplink {
  local $ip6 as $NODE_AS;
  source address $ip6;
  neighbor ${LAN6}:1 as $ROUTER_AS;
  ipv6 { import none; export filter vip_export6; };
}
EOF
}

# ---------------------------------------------------------------- FRR router config (one file per daemon)
frr_confs() { # frr_confs BFD(on|off)
  local d=$RUN/router bfd=$1
  cat >"$d/zebra.conf" <<EOF
hostname bgp-router
log file $d/frr.log informational
EOF
  cat >"$d/bfdd.conf" <<EOF
hostname bgp-router
log file $d/frr.log informational
bfd
 profile fast
  detect-multiplier 3
  receive-interval 100
  transmit-interval 100
 exit
exit
EOF
  cat >"$d/bgpd.conf" <<EOF
hostname bgp-router
log file $d/frr.log informational
!
ip prefix-list VIPS4 seq 10 permit 198.51.100.0/24 ge 32
ipv6 prefix-list VIPS6 seq 10 permit 2001:db8::/32 ge 128
route-map NODES-IN4 permit 10
 match ip address prefix-list VIPS4
exit
route-map NODES-IN6 permit 10
 match ipv6 address prefix-list VIPS6
exit
route-map DENY deny 10
exit
!
router bgp $ROUTER_AS
 bgp router-id $LAN4.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 no bgp graceful-restart
 bgp log-neighbor-changes
 bgp bestpath as-path multipath-relax
 neighbor NODES peer-group
 neighbor NODES remote-as $NODE_AS
 neighbor NODES timers 1 3
 neighbor NODES timers connect 2
 $([ "$bfd" = on ] && echo "neighbor NODES bfd profile fast")
 neighbor NODES6 peer-group
 neighbor NODES6 remote-as $NODE_AS
 neighbor NODES6 timers 1 3
 neighbor NODES6 timers connect 2
 $([ "$bfd" = on ] && echo "neighbor NODES6 bfd profile fast")
$(for i in $(seq 1 $N); do echo " neighbor $LAN4.1$i peer-group NODES"; echo " neighbor ${LAN6}:1$i peer-group NODES6"; done)
 address-family ipv4 unicast
  neighbor NODES activate
  neighbor NODES route-map NODES-IN4 in
  neighbor NODES route-map DENY out
  maximum-paths 16
 exit-address-family
 address-family ipv6 unicast
  neighbor NODES6 activate
  neighbor NODES6 route-map NODES-IN6 in
  neighbor NODES6 route-map DENY out
  maximum-paths 16
 exit-address-family
exit
EOF
  chown -R frr:frr "$d"
}

# ---------------------------------------------------------------- topology
veth_ns() { # veth_ns NS ROOTPORT ADDR4 ADDR6 MAC
  local ns=$1 port=$2
  ip netns add "$ns"
  nsx "$ns" sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
  ip link add "$port" type veth peer name eth0 address "$5" netns "$ns"
  sysctl -qw "net.ipv6.conf.$port.disable_ipv6=1"
  ip link set "$port" master "$BRIDGE" up
  nsx "$ns" ip addr add "$3/24" dev eth0
  nsx "$ns" ip -6 addr add "$4/64" dev eth0 nodad
  nsx "$ns" ip link set eth0 up
  nsx "$ns" ip link set lo up
}

start_router() { # start_router BFD
  local d=$RUN/router
  mkdir -p "$d" "/var/run/frr/$FRR_NAME" "/etc/frr/$FRR_NAME"
  chown frr:frr "/var/run/frr/$FRR_NAME" "/var/run/frr"
  touch "/etc/frr/$FRR_NAME/vtysh.conf"       # vtysh -N looks here; empty is fine
  frr_confs "$1"
  for daemon in zebra bfdd bgpd; do
    nsx bgp-router "/usr/lib/frr/$daemon" -d -N "$FRR_NAME" -f "$d/$daemon.conf" -i "/var/run/frr/$FRR_NAME/$daemon.pid" \
      -A 127.0.0.1 >>"$d/start.log" 2>&1
    # zebra must be listening before the others connect (they retry, but the first connect fails loudly)
    if [ $daemon = zebra ]; then wait_for 5 test -S "/var/run/frr/$FRR_NAME/zserv.api"; fi
  done
}

start_bird() { # start_bird I BFD
  local i=$1 d=$RUN/node$1
  mkdir -p "$d"
  bird_conf "$i" "$2" "$VIP4" "$VIP6" >"$d/bird.conf"
  bird -p -c "$d/bird.conf"
  nsx "bgp-node$i" bird -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
}

start_http() { # start_http I: python http.server bound to each VIP, answering the node name
  local i=$1 d=$RUN/node$1/www
  mkdir -p "$d"; echo "node$i" >"$d/index.html"
  for v in $VIP4 $VIP6; do
    nsx "bgp-node$i" python3 -m http.server --bind "$v" --directory "$d" 80 >/dev/null 2>&1 &
    echo $! >>"$RUN/node$i/http.pids"
  done
}

wait_for() { # wait_for SECONDS CMD...: poll every 50 ms until CMD succeeds; fail after the deadline
  local end=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s%N)" -lt $end ] || { log "timeout: $*"; return 1; }
    sleep 0.05
  done
}

ecmp_is() { [ "$(ip -n bgp-router -4 route show "$VIP4/32" | grep -o 'via [0-9.]*' | sort -u | wc -l)" = "$1" ]; }

link_up() { # link_up I: eth0 up again, and its gateway routes back (the kernel flushed them on link down)
  ip -n "bgp-node$1" link set eth0 up
  ip -n "bgp-node$1" route replace "$CL4.0/24" via "$LAN4.1"
  ip -n "bgp-node$1" -6 route replace "${CL6}:/64" via "${LAN6}:1"
}

setup() {
  local bfd=${1:-on}
  teardown quiet
  mkdir -p "$RUN" "$RES"
  log "topology"
  ip link add "$BRIDGE" type bridge stp_state 0 forward_delay 0
  sysctl -qw "net.ipv6.conf.$BRIDGE.disable_ipv6=1"
  # the bridge is an interface of the ROOT namespace: without this it answers ARP for every root address (arp_ignore=0)
  # — e.g. another lab's 198.51.100.1 on vk-host — with its own MAC, poisoning the nodes' entry for the router
  sysctl -qw "net.ipv4.conf.$BRIDGE.arp_ignore=8"
  ip link set "$BRIDGE" up
  veth_ns bgp-router bgp-r "$LAN4.1" "${LAN6}:1" 02:62:67:00:00:01
  for i in $(seq 1 $N); do veth_ns "bgp-node$i" "bgp-n$i" "$LAN4.1$i" "${LAN6}:1$i" "02:62:67:00:01:0$i"; done
  # client segment: a plain veth pair router eth1 <-> client eth0
  ip netns add bgp-client
  ip link add cl0 netns bgp-router type veth peer name eth0 netns bgp-client
  nsx bgp-router ip link set cl0 name eth1
  nsx bgp-router ip addr add "$CL4.1/24" dev eth1; nsx bgp-router ip -6 addr add "${CL6}:1/64" dev eth1 nodad
  nsx bgp-router ip link set eth1 up
  nsx bgp-client sysctl -qw net.ipv6.conf.all.accept_dad=0
  nsx bgp-client ip addr add "$CL4.50/24" dev eth0; nsx bgp-client ip -6 addr add "${CL6}:50/64" dev eth0 nodad
  nsx bgp-client ip link set eth0 up; nsx bgp-client ip link set lo up
  nsx bgp-client ip route add default via "$CL4.1"; nsx bgp-client ip -6 route add default via "${CL6}:1"
  nsx bgp-router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
      net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
  for i in $(seq 1 $N); do
    nsx "bgp-node$i" ip addr add "$VIP4/32" dev lo
    nsx "bgp-node$i" ip -6 addr add "$VIP6/128" dev lo
    link_up "$i"
  done
  log "daemons (bfd=$bfd)"
  local t0; t0=$(now)
  start_router "$bfd"
  for i in $(seq 1 $N); do start_bird "$i" "$bfd"; start_http "$i"; done
  wait_for 60 ecmp_is $N
  log "ECMP with $N paths after $(echo "$(now) - $t0" | bc) s"
  echo "sessions_up_to_ecmp_${bfd}_s $(echo "$(now) - $t0" | bc)" >>"$RES/figures.txt"
  # the data plane too: every node answers the client (http.server start-up is slow on a loaded machine)
  for i in $(seq 1 $N); do
    wait_for 30 sh -c "ip netns exec bgp-client python3 '$HERE/probe.py' spread $VIP4 12 | grep -q node$i"
  done
  log "every node answers the client after $(echo "$(now) - $t0" | bc) s"
}

teardown() {
  [ "${1:-}" = quiet ] || log "teardown"
  for i in $(seq 1 $N); do
    local d=$RUN/node$i
    [ -f "$d/bird.pid" ] && kill "$(cat "$d/bird.pid")" 2>/dev/null || true
    if [ -f "$d/http.pids" ]; then while read -r p; do kill "$p" 2>/dev/null || true; done <"$d/http.pids"; rm -f "$d/http.pids"; fi
    rm -f "$d/bird.pid"
  done
  for daemon in bgpd bfdd zebra; do
    local pf=/var/run/frr/$FRR_NAME/$daemon.pid
    [ -f "$pf" ] && kill "$(cat "$pf")" 2>/dev/null || true
  done
  for ns in bgp-client bgp-router $(for i in $(seq 1 $N); do echo "bgp-node$i"; done); do
    if ip netns list | grep -qw "^$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done  # only what we started there
      ip netns del "$ns"
    fi
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE" || true
  rm -rf "/var/run/frr/$FRR_NAME" "/etc/frr/$FRR_NAME"
}

# ---------------------------------------------------------------- measurements
measure_spread() { # 1,000 new connections from the client, tally per node (v4), 100 for v6
  log "spread"
  nsx bgp-client python3 "$HERE/probe.py" spread "$VIP4" 1000 | tee "$RES/spread4.txt" >&2
  nsx bgp-client python3 "$HERE/probe.py" spread "$VIP6" 300 | tee "$RES/spread6.txt" >&2
}

measure_rehash() { # which 5-tuples change nexthop when one node's route goes (the router's own hash: ip route get)
  log "rehash"
  local f=$RES/rehash.txt; : >"$f"
  for sp in $(seq 20000 20999); do
    echo "route get $VIP4 from $CL4.50 iif eth1 ipproto tcp sport $sp dport 80"
  done >"$RUN/rget.batch"
  route_of() { ip -n bgp-router -batch "$RUN/rget.batch" | grep -o 'via [0-9.]*' | cut -d' ' -f2; }
  echo "group order: $(nsx bgp-router ip -4 route show "$VIP4/32" | grep -o 'via [0-9.]*' | cut -d' ' -f2 | tr '\n' ' ')" | tee -a "$f" >&2
  for i in $(seq 1 $N); do
    wait_for 30 ecmp_is 3
    route_of >"$RUN/before.txt"
    birdc_ "$i" disable r4 >/dev/null
    wait_for 10 ecmp_is 2
    route_of >"$RUN/after.txt"
    birdc_ "$i" enable r4 >/dev/null
    paste -d' ' "$RUN/before.txt" "$RUN/after.txt" | awk -v dead="$LAN4.1$i" -v i="$i" '
      $1==dead {moved_dead++; next} {surv++; if ($1!=$2) moved++}
      END {printf "node%d withdrawn: flows_on_it %d, flows_on_survivors %d, survivors_moved %d (%.1f%%)\n", i, moved_dead, surv, moved, 100*moved/surv}' | tee -a "$f" >&2
  done
  wait_for 30 ecmp_is 3
  echo "group order after re-adding: $(nsx bgp-router ip -4 route show "$VIP4/32" | grep -o 'via [0-9.]*' | cut -d' ' -f2 | tr '\n' ' ')" | tee -a "$f" >&2
}

# failover: cut node3's LAN link (inside its ns; the bridge port keeps carrier) while the client probes every 10 ms
measure_failover() { # measure_failover LABEL ROUNDS
  local label=$1 rounds=$2 f=$RES/failover_$1.txt
  : >"$f"
  for r in $(seq 1 "$rounds"); do
    wait_for 30 ecmp_is 3
    local secs=8; if [ "$label" = nobfd ]; then secs=11; fi
    nsx bgp-client python3 "$HERE/probe.py" watch "$VIP4" "$secs" 10 >"$RUN/watch_${label:-$mode}_$r.txt" &
    local wp=$!
    if ! wait_for 15 grep -q 'ok node3' "$RUN/watch_${label}_$r.txt"; then   # probes flowing, node3 included
      log "round $r: node3 not answering yet, round skipped"; wait $wp || true; continue
    fi
    sleep 0.3
    local tcut; tcut=$(now)
    ip -n bgp-node3 link set eth0 down
    local tgone="" end=$(( $(date +%s) + 10 ))
    while [ "$(date +%s)" -lt $end ]; do ecmp_is 2 && { tgone=$(now); break; }; sleep 0.01; done
    wait $wp || true
    local tup; tup=$(now)
    link_up 3
    wait_for 120 ecmp_is 3 || true
    local back; back=$(echo "($(now) - $tup) * 1000 / 1" | bc)
    # outage = last failed probe after the cut - cut; route = route removed from the router's FIB - cut
    awk -v c="$tcut" -v g="${tgone:-0}" -v r="$r" -v b="$back" '
      $1>=c && $2=="fail" {last=$1; nf++} $1>=c {n++}
      END {printf "round %d route_removed_after_ms %.0f last_failure_after_ms %.0f failed %d of %d back_after_link_up_ms %d\n", r, (g>0?(g-c)*1000:-1), (last>0?(last+0.3-c)*1000:0), nf, n, b}' \
      "$RUN/watch_${label:-$mode}_$r.txt" | tee -a "$f" >&2
  done
  awk '{a+=$4; b+=$6; c+=$12; n++} END {printf "MEAN route_removed_ms %.0f last_failure_ms %.0f back_after_link_up_ms %.0f over %d rounds\n", a/n, b/n, c/n, n}' "$f" | tee -a "$f" >&2
}

# graceful: node3 withdraws (A: birdc disable r4; B: VIP removed from the static set + configure), waits, then stops
measure_graceful() { # measure_graceful MODE ROUNDS
  local mode=$1 rounds=$2 f=$RES/graceful_$1.txt
  : >"$f"
  for r in $(seq 1 "$rounds"); do
    wait_for 30 ecmp_is 3
    nsx bgp-client python3 "$HERE/probe.py" watch "$VIP4" 5 10 >"$RUN/watch_${label:-$mode}_$r.txt" &
    local wp=$! t0
    wait_for 10 grep -q 'ok node3' "$RUN/watch_${mode}_$r.txt"
    sleep 0.3
    t0=$(now)
    if [ "$mode" = disable ]; then
      birdc_ 3 disable r4 >/dev/null
    else
      bird_conf 3 on "" "$VIP6" >"$RUN/node3/bird.conf"
      birdc_ 3 configure >/dev/null
    fi
    wait_for 10 ecmp_is 2
    local tw; tw=$(now)
    sleep 1                                   # drain: let the router's FIB settle before the data plane goes
    ip -n bgp-node3 link set eth0 down        # "stop" the node
    wait $wp || true
    link_up 3
    if [ "$mode" = disable ]; then birdc_ 3 enable r4 >/dev/null
    else bird_conf 3 on "$VIP4" "$VIP6" >"$RUN/node3/bird.conf"; birdc_ 3 configure >/dev/null; fi
    awk -v c="$t0" -v w="$tw" -v r="$r" '$1>=c {n++} $1>=c && $2=="fail" {nf++}
      END {printf "round %d withdrawn_after_ms %.0f failed %d of %d\n", r, (w-c)*1000, nf, n}' "$RUN/watch_${label:-$mode}_$r.txt" | tee -a "$f" >&2
  done
}

measure_configure_5000() { # time of `birdc configure` when the static set goes from 1 to 5,000 /32s and back
  log "configure with 5000 routes"
  local f=$RES/configure5000.txt d=$RUN/node1 many
  many=$(python3 -c 'import ipaddress; print(" ".join(str(ipaddress.ip_address(int(ipaddress.ip_address("198.51.0.0"))+k)) for k in range(5000)))')
  # the 5,000 /32s come from 198.51.0.0/16, so the pool filter is widened to match
  bird_conf 1 on "$many" "$VIP6" | sed 's#198.51.100.0/24{32,32}#198.51.0.0/16{32,32}#' >"$d/bird.conf"
  # ...and so is the router's (temporarily)
  vty -c 'configure terminal' -c 'ip prefix-list VIPS4 seq 20 permit 198.51.0.0/16 ge 32' >/dev/null
  local t0 t1 t2; t0=$(now)
  birdc_ 1 configure | tail -1 >&2
  t1=$(now)
  wait_for 60 sh -c "[ \$(ip -n bgp-router -4 route show proto bgp | grep -c '^198') -ge 5001 ]"
  t2=$(now)
  echo "configure_1_to_5000_s $(echo "$t1 - $t0" | bc) router_has_5000_s $(echo "$t2 - $t0" | bc)" | tee "$f" >&2
  bird_conf 1 on "$VIP4" "$VIP6" >"$d/bird.conf"
  t0=$(now); birdc_ 1 configure | tail -1 >&2; t1=$(now)
  wait_for 60 sh -c "[ \$(ip -n bgp-router -4 route show proto bgp | grep -c '^198') -le 1 ]"
  t2=$(now)
  vty -c 'configure terminal' -c 'no ip prefix-list VIPS4 seq 20 permit 198.51.0.0/16 ge 32' >/dev/null
  echo "configure_5000_to_1_s $(echo "$t1 - $t0" | bc) router_back_s $(echo "$t2 - $t0" | bc)" | tee -a "$f" >&2
}

all() {
  local rounds=${ROUNDS:-10}
  trap 'teardown' EXIT
  : >"$RES/figures.txt" 2>/dev/null || { mkdir -p "$RES"; : >"$RES/figures.txt"; }
  setup on
  measure_spread
  measure_rehash
  measure_failover bfd "$rounds"
  measure_graceful disable "$rounds"
  measure_graceful configure "$rounds"
  measure_configure_5000
  setup off
  measure_failover nobfd "$rounds"
  teardown
  "$HERE/resilient_test.sh" | tee "$RES/resilient.txt" >&2
}

samples() { # the rendered configs (BFD on) as files, for reading
  mkdir -p "$HERE/samples/router"
  bird_conf 1 on "$VIP4" "$VIP6" >"$HERE/samples/bird-node1.conf"
  RUN=$HERE/samples frr_confs on
}

cmd=${1:-all}; shift || true
case $cmd in
  all|setup|teardown|samples|measure_spread|measure_rehash|measure_failover|measure_graceful|measure_configure_5000) "$cmd" "$@";;
  conf) bird_conf "$@";;
  *) echo "usage: $0 all|setup [on|off]|teardown|measure_*" >&2; exit 2;;
esac
