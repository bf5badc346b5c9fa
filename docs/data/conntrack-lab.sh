# Sourced by the conntrack measurement scripts beside it (conntrack-overhead.sh, conntrack-rates.sh,
# conntrack-synthetic.sh): reading a lab node's conntrackd.

# a process's CPU time so far, user + system, in clock ticks (0 once it is gone)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# the pid of the conntrackd running in node N's namespace
conntrackd_pid() { ps -o pid=,comm= -p "$(ip netns pids "vk-node$1" | paste -sd,)" | awk '$2=="conntrackd"{print $1; exit}'; }
conntrackd_conf() { echo "/run/vipkeeper-lab/node$1/conntrackd.conf"; }
# conntrackd's counters on node N (conntrackd -s; zeros when PID, the second argument, is empty): its cache's created,
# updated, destroyed (the flows it sends), the kernel entries it injected: created, updated, destroyed (what it
# received), multicast packets sent, received, messages lost
sync_counters() {
  if [ -z "$2" ]; then echo "0 0 0 0 0 0 0 0 0"; return; fi
  ip netns exec "vk-node$1" conntrackd -C "$(conntrackd_conf "$1")" -s 2>/dev/null | awk '
    /^cache internal:/ {s="c"} /^external inject:/ {s="i"} /^traffic processed:/ {s=""}
    s!="" && /connections created:/ {v[s "c"]=$3} s!="" && /connections updated:/ {v[s "u"]=$3}
    s!="" && /connections destroyed:/ {v[s "d"]=$3}
    /Pckts sent/ {ps=$1; pr=$4} /Lost msgs/ {lost=$4}
    END {printf "%d %d %d %d %d %d %d %d %d\n", v["cc"], v["cu"], v["cd"], v["ic"], v["iu"], v["id"], ps, pr, lost}'
}
