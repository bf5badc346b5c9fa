#!/bin/bash
# Prototype for vipkeeper issue #12: do established TCP connections through a VIP survive a VRRP failover when
# conntrackd (FTFW) syncs the nodes' conntrack tables? Builds a lab-shaped LAN in namespaces ct-*, measures one
# failover with a bounded client, prints one result line, and removes everything it made (trap on EXIT).
#
# Knobs (environment):
#   SCENARIO = linkdown | kill | handover   how the master goes away (cut eth0 / SIGKILL keepalived / track_file -> FAULT)
#            | none | backupfault           no failover (noise floor) / the backup of VI_1 goes FAULT (nothing moves)
#   SYNC     = udp | mcast | off             conntrackd FTFW over UDP unicast (2 nodes), multicast (2-3 nodes), or none
#   NAT      = snatvip | masq | local        SNAT to the VIP itself (proposed) / masquerade to the node (vipkeeper today)
#                                            / externalTrafficPolicy Local: DNAT to the node's own pod, no SNAT (PODS=NODES)
#   LB       = random | hash                 numgen random (vipkeeper today) / jhash of the client's address and port
#   NODES=2|3  PODS=1|2  CONNS=30  DURATION=15 (client seconds, <= 60)
#   LOOSE=0|1 (nf_conntrack_tcp_loose)  LIBERAL=0|1 (nf_conntrack_tcp_be_liberal)  GUARD=1|0 (drop INVALID to the VIP)
#   MODE=ftfw|notrack  conntrackd sync mode
#   EXTCACHE=on|off  off = DisableExternalCache on: backups inject synced flows into their kernel table at once
#   FILTER=none|'ADDR ...'  conntrackd Address Accept list   FILTER_FROM=Userspace|Kernelspace
#   SNOOP=0|1  IGMP snooping on ctbr0 (the lab's br0 has the kernel default, on)
#   KEEP=1  leave the lab up after the measurement (still removed on the next run / by ./run.sh clean)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$HERE/run
SCENARIO=${SCENARIO:-linkdown} SYNC=${SYNC:-udp} NAT=${NAT:-snatvip} LB=${LB:-random}
NODES=${NODES:-2} PODS=${PODS:-2} CONNS=${CONNS:-30} DURATION=${DURATION:-15}
LOOSE=${LOOSE:-0} LIBERAL=${LIBERAL:-0} GUARD=${GUARD:-1} KEEP=${KEEP:-0} FILTER=${FILTER:-none} FILTER_FROM=${FILTER_FROM:-Userspace} EXTCACHE=${EXTCACHE:-on} MODE=${MODE:-ftfw}
NET=198.51.100 VIP=198.51.100.200 VIP2=198.51.100.201 PORT=80 BPORT=8080
VIPS=${VIPS:-1}   # 2: a second VRRP instance (VIP2, vrid 52) whose master is node2: active-active, as --vrrp-instances per-vip
ALLVIPS=$VIP; [ "$VIPS" = 2 ] && ALLVIPS="$VIP, $VIP2"
ALL_NS="ct-client ct-pod1 ct-pod2 ct-pod3 ct-node1 ct-node2 ct-node3 ct-lan"

log() { echo "[$(date +%T.%3N)] $*" >&2; }
nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

cleanup() {
  local n p
  for n in $ALL_NS; do
    ip netns list | grep -qw "^$n" || continue
    for p in $(ip netns pids "$n" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  done
  sleep 0.3
  for n in $ALL_NS; do
    ip netns list | grep -qw "^$n" || continue
    for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$n" 2>/dev/null
  done
  [ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
  return 0
}

if [ "${1:-}" = clean ]; then cleanup; exit 0; fi
[ "$DURATION" -le 60 ] || DURATION=60
if [ "$SYNC" = udp ] && [ "$NODES" -gt 2 ]; then echo "SYNC=udp is point-to-point: use NODES=2 or SYNC=mcast" >&2; exit 2; fi

trap 'cleanup' EXIT
trap 'log "interrupted"; exit 1' INT TERM
cleanup
rm -rf "$RUN"; mkdir -p "$RUN"
# the whole run is bounded: the watchdog ends it (and the trap cleans up) after DURATION + 60 s
( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep $((DURATION + 60)) & s=$!; wait $s; echo "watchdog: time is up" >&2; kill -TERM $$ ) >/dev/null 2>&1 &
WATCHDOG=$!

base_sysctls() {
  nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.default.accept_redirects=0 net.ipv4.conf.all.arp_notify=1
}
attach() { # attach NS PORT ADDRESS MAC: eth0=ADDRESS/24 in NS, its peer PORT on ctbr0 (as the lab's Lan.attach)
  ip netns add "$1"; base_sysctls "$1"
  ip -n ct-lan link add "$2" type veth peer name eth0 address "$4" netns "$1"
  ip -n ct-lan link set "$2" master ctbr0 up
  ip -n "$1" addr add "$3/24" dev eth0
  ip -n "$1" link set eth0 up; ip -n "$1" link set lo up
}

# ---- the LAN: bridge ctbr0 in ct-lan (nothing in the root namespace), client, pods, nodes ----
ip netns add ct-lan; base_sysctls ct-lan; ip -n ct-lan link set lo up
ip -n ct-lan link add ctbr0 type bridge stp_state 0 forward_delay 0 mcast_snooping ${SNOOP:-0}
ip -n ct-lan link set ctbr0 up
attach ct-client ctp-c1 $NET.50 02:76:6b:00:03:01
for p in $(seq 1 "$PODS"); do
  attach ct-pod$p ctp-p$p $NET.$((100 + p)) 02:76:6b:00:02:0$p
  if [ "$NAT" = local ]; then
    # externalTrafficPolicy Local, emulated: pod p sits "behind" node p (a /32 whose only route is via that node), as
    # a pod behind its node's CNI bridge: its replies go back through node p whatever node did the DNAT
    ip -n ct-pod$p addr flush dev eth0; ip -n ct-pod$p addr add $NET.$((100 + p))/32 dev eth0
    ip -n ct-pod$p route add $NET.$((10 + p)) dev eth0 scope link
    ip -n ct-pod$p route add default via $NET.$((10 + p)) dev eth0
  fi
  nsx ct-pod$p python3 "$HERE/echo_server.py" $BPORT $((DURATION + 40)) >"$RUN/pod$p.log" 2>&1 &
done

backends() { # the DNAT target expression for the pods (NAT=local: node i's own pod only)
  if [ "$NAT" = local ]; then echo "$NET.$((100 + NODE_I)) : $BPORT"; return; fi
  if [ "$PODS" = 1 ]; then echo "$NET.101 : $BPORT"; return; fi
  local sel m="" k
  if [ "$LB" = hash ]; then sel="jhash ip saddr . tcp sport mod $PODS seed 0x5eed"; else sel="numgen random mod $PODS"; fi
  for k in $(seq 0 $((PODS - 1))); do m="$m${m:+, }$k : $NET.$((101 + k)) . $BPORT"; done
  echo "$sel map { $m }"
}
ruleset() { # the data plane, shaped as core/render/NftablesRuleset (table inet vipkeeper), NAT per $NAT
  local post
  if [ "$NAT" = masq ]; then post="ct status dnat ct original ip daddr { $ALLVIPS } masquerade"
  elif [ "$NAT" = local ]; then post="# Local: no source NAT"
  else post="ct status dnat ct original ip daddr { $ALLVIPS } fib saddr type local masquerade
		ct status dnat ct original ip daddr { $ALLVIPS } snat ip to ct original ip daddr"; fi
  cat <<NFT
table inet vipkeeper
delete table inet vipkeeper
table inet vipkeeper {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}
	chain output {
		type nat hook output priority -100; policy accept;
		jump services
	}
	chain services {
		ip daddr $VIP tcp dport $PORT dnat ip to $(backends) comment "default/echo"
$( [ "$VIPS" = 2 ] && printf '\t\tip daddr %s tcp dport %s dnat ip to %s comment "default/echo2"\n' $VIP2 $PORT "$(backends)")
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		$post
	}
NFT
  if [ "$GUARD" = 1 ]; then cat <<NFT
	# after conntrack (-200), before DNAT (-100): a mid-flow packet for a VIP that this node has no entry for (yet:
	# the commit of the synced entries is still running) is dropped, not answered with a RST by the local stack
	chain guard {
		type filter hook prerouting priority -150; policy accept;
		ip daddr { $ALLVIPS } ct state invalid drop
	}
NFT
  fi
  echo "}"
}

conntrackd_conf() { # conntrackd_conf NODE-INDEX
  local i=$1 me=$NET.$((10 + $1)) peer=$NET.$((10 + 3 - $1)) transport
  if [ "$SYNC" = udp ]; then transport="	UDP {
		IPv4_address $me
		IPv4_Destination_Address $peer
		Port 3780
		Interface eth0
		SndSocketBuffer 1249280
		RcvSocketBuffer 1249280
		Checksum on
	}"
  else transport="	Multicast {
		IPv4_address 225.0.0.50
		Group 3780
		IPv4_interface $me
		Interface eth0
		SndSocketBuffer 1249280
		RcvSocketBuffer 1249280
		Checksum on
	}"
  fi
  cat <<CONF
Sync {
$(if [ "$MODE" = notrack ]; then printf '\tMode NOTRACK {\n\t\tDisableExternalCache %s\n\t\tStartupResync on\n\t}' "$( [ "$EXTCACHE" = on ] && echo off || echo on )"
else cat <<MODE
	Mode FTFW {
		ResendQueueSize 131072
		PurgeTimeout 5
		ACKWindowSize 300
		DisableExternalCache $( [ "$EXTCACHE" = on ] && echo off || echo on )
		StartupResync on
	}
MODE
fi)
$transport
}
General {
	Systemd off
	HashSize 8192
	HashLimit 65535
	LogFile $RUN/node$i/conntrackd.log
	Syslog off
	LockFile $RUN/node$i/conntrackd.lock
	UNIX {
		Path $RUN/node$i/conntrackd.ctl
	}
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth 8388608
	NetlinkEventsReliable on
	Filter From $FILTER_FROM {
		Protocol Accept {
			TCP
		}
$( [ "$FILTER" != none ] && { printf '\t\tAddress Accept {\n'; for a in $FILTER; do printf '\t\t\tIPv4_address %s\n' "$a"; done; printf '\t\t}\n'; })
	}
}
CONF
}

keepalived_conf() { # keepalived_conf NODE-INDEX (as core/render/KeepalivedConfig: unicast, nopreempt, track_file)
  local i=$1 j peers=""
  for j in $(seq 1 "$NODES"); do [ "$j" = "$i" ] || peers="$peers    $NET.$((10 + j))
"; done
  cat <<CONF
global_defs {
  vrrp_version 3
  router_id ct-node$i
  script_user root
  enable_script_security
}
track_file handover {
  file "$RUN/node$i/handover"
  weight 1
  init_file 0
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $((160 - 10 * i))
  nopreempt
  advert_int 0.1
  track_file {
    handover
  }
  notify "$HERE/notify.sh $RUN/node$i"
  unicast_src_ip $NET.$((10 + i))
  unicast_peer {
$peers  }
  virtual_ipaddress {
    $VIP
  }
}
CONF
  [ "$VIPS" = 2 ] && cat <<CONF
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority $((120 + 10 * i))
  preempt_delay 1
  advert_int 0.1
  notify "$HERE/notify.sh $RUN/node$i"
  unicast_src_ip $NET.$((10 + i))
  unicast_peer {
$peers  }
  virtual_ipaddress {
    $VIP2
  }
}
CONF
  return 0
}

start_node() {
  local i=$1 ns=ct-node$1 d=$RUN/node$1
  mkdir -p "$d"; echo 0 >"$d/handover"
  attach $ns ctp-n$i $NET.$((10 + i)) 02:76:6b:00:01:0$i
  nsx $ns sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
    net.ipv4.conf.eth0.send_redirects=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
  NODE_I=$i; ruleset >"$d/ruleset.nft"; nsx $ns nft -f "$d/ruleset.nft" || { log "nft failed on $ns"; exit 1; }
  # netfilter sysctls are per namespace and exist once conntrack is loaded (the ruleset's ct expressions)
  nsx $ns sysctl -qw net.netfilter.nf_conntrack_tcp_loose=$LOOSE net.netfilter.nf_conntrack_tcp_be_liberal=$LIBERAL
  if [ "$SYNC" != off ]; then
    conntrackd_conf "$i" >"$d/conntrackd.conf"
    [ "$EXTCACHE" = on ] && echo external >"$d/mode" || echo direct >"$d/mode"
    nsx $ns /usr/sbin/conntrackd -C "$d/conntrackd.conf" >"$d/conntrackd.stdout" 2>&1 &
    for _ in $(seq 50); do [ -S "$d/conntrackd.ctl" ] && break; sleep 0.1; done
  fi
  keepalived_conf "$i" >"$d/keepalived.conf"
  nsx $ns keepalived -P -n -l -G -D -f "$d/keepalived.conf" -p "$d/keepalived.pid" -r "$d/vrrp.pid" \
    >"$d/keepalived.log" 2>&1 &
}
master() { local i; for i in $(seq 1 "$NODES"); do ip -n ct-node$i -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/" && echo "$i"; done; }
wait_for() { # wait_for SECONDS COMMAND...: poll every 0.1 s
  local n=$(( $1 * 10 )); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1
}

start_node 1
wait_for 10 bash -c "[ \"\$(ip -n ct-node1 -4 -o addr show dev eth0 | grep -c ' $VIP/')\" = 1 ]" || { log "node1 never became master"; exit 1; }
for i in $(seq 2 "$NODES"); do start_node "$i"; done
sleep 1
[ "$VIPS" = 2 ] && { wait_for 10 bash -c "ip -n ct-node$NODES -4 -o addr show dev eth0 | grep -q ' $VIP2/'" || { log "node$NODES never took VIP2"; exit 1; }; }
log "lab up: master=node$(master) SYNC=$SYNC NAT=$NAT LB=$LB NODES=$NODES PODS=$PODS LOOSE=$LOOSE LIBERAL=$LIBERAL GUARD=$GUARD"
M=$(master)

# ---- measure ----
nsx ct-client python3 "$HERE/client.py" $VIP $PORT --conns "$CONNS" --seconds "$DURATION" --ready "$RUN/ready" \
  >"$RUN/client.json" 2>"$RUN/client.err" &
CLIENT=$!
if [ "$VIPS" = 2 ]; then
  nsx ct-client python3 "$HERE/client.py" $VIP2 $PORT --conns "$CONNS" --seconds "$DURATION" --ready "$RUN/ready2" \
    >"$RUN/client2.json" 2>"$RUN/client2.err" &
  CLIENT2=$!
fi
wait_for 15 test -s "$RUN/ready" || { log "client never connected: $(cat "$RUN/client.err")"; exit 1; }
sleep 3
kern=$(nsx ct-node$M conntrack -L -d $VIP 2>/dev/null | grep -c ESTABLISHED)
ext="-"; other=$(( M == 1 ? 2 : 1 ))
[ "$SYNC" != off ] && ext=$(nsx ct-node$other conntrackd -C "$RUN/node$other/conntrackd.conf" -e 2>/dev/null | grep -c ESTABLISHED)
log "before: node$M kernel ESTABLISHED=$kern, node$other external cache ESTABLISHED=$ext"
T0=$(date +%s.%N)
case $SCENARIO in
  none) ;;
  backupfault) echo -254 >"$RUN/node$other/handover" ;;  # a backup of VI_1 goes FAULT: no VIP moves
  linkdown) ip -n ct-node$M link set eth0 down ;;
  kill) kill -KILL "$(cat "$RUN/node$M/vrrp.pid")" "$(cat "$RUN/node$M/keepalived.pid")" ;;
  handover) echo -254 >"$RUN/node$M/handover" ;;
  *) log "unknown SCENARIO $SCENARIO"; exit 2 ;;
esac
log "failover: $SCENARIO on node$M"
sleep 2.5
NEW=$(master | grep -v "^$M$" | head -1)
after=$( [ -n "$NEW" ] && nsx ct-node$NEW conntrack -L -d $VIP 2>/dev/null | grep -c ESTABLISHED)
wait $CLIENT
[ "$VIPS" = 2 ] && wait $CLIENT2
NEW=$(master | grep -v "^$M$" | head -1)
[ -z "$NEW" ] && NEW=$(master | head -1)
RESULT=$(cat "$RUN/client.json")
[ "$VIPS" = 2 ] && RESULT="$RESULT VIP2(master node$NODES throughout): $(cat "$RUN/client2.json")"
# when the new master's keepalived ran its notify MASTER steps, relative to the failover
notify=""
if [ -n "$NEW" ] && [ -f "$RUN/node$NEW/notify.log" ]; then
  notify=$(awk -v t0="$T0" '$2=="VI_1" && $3=="MASTER" && $1 > t0 - 0.5 {printf "%s%s=%+.3fs", (n++ ? " " : ""), $4, $1 - t0}' "$RUN/node$NEW/notify.log")
fi
echo "RESULT scenario=$SCENARIO sync=$SYNC mode=$MODE nat=$NAT lb=$LB nodes=$NODES pods=$PODS loose=$LOOSE liberal=$LIBERAL guard=$GUARD extcache=$EXTCACHE vips=$VIPS filter=${FILTER// /,} old=node$M new=node${NEW:-?} synced_before=$ext kernel_after=${after:-?} $RESULT notify[$notify]"
[ -s "$RUN/client.err" ] && { log "client stderr:"; cat "$RUN/client.err" >&2; }
if [ "$KEEP" = 1 ]; then trap - EXIT; kill "$WATCHDOG" 2>/dev/null; log "KEEP=1: lab left up; ./run.sh clean removes it"; fi
