#!/bin/bash
# keepalived notify script (one per node): notify "$DIR/notify.sh <node-dir>"
# keepalived appends: TYPE NAME STATE PRIORITY. Runs inside the node's namespace (keepalived was started there).
# Order follows conntrack-tools' primary-backup.sh; every step is timed into <node-dir>/notify.log.
dir=$1 inst=$3 state=$4
conf=$dir/conntrackd.conf
log=$dir/notify.log
ts() { date +%s.%N | cut -c1-14; }
step() { # step NAME ARGS...: run conntrackd with the node's config, log duration and exit code
  local t0 t1 rc; t0=$(date +%s%N)
  /usr/sbin/conntrackd -C "$conf" "${@:2}" >>"$dir/notify.out" 2>&1; rc=$?
  t1=$(date +%s%N)
  echo "$(ts) $inst $state $1 rc=$rc $(( (t1 - t0) / 1000 ))us" >>"$log"
}
echo "$(ts) $inst $state enter prio=$5" >>"$log"
[ -f "$conf" ] || { echo "$(ts) $inst $state no-sync" >>"$log"; exit 0; }
if [ "$(cat "$dir/mode" 2>/dev/null)" = direct ]; then
  # DisableExternalCache on: the synced flows are in the kernel table already. Nothing to commit, and no -t on the
  # way down: it would flush the kernel table, synced flows included. As backup, ask the master for a full resync.
  case $state in
    MASTER) step bulk -B ;;
    BACKUP) step request -n ;;
  esac
  exit 0
fi
case $state in
  MASTER)
    step commit -c      # external cache -> kernel table (the synced flows, with their NAT)
    step flush -f       # drop internal and external caches
    step resync -R      # internal cache <- kernel table (now we are the source of truth)
    step bulk -B        # push everything to the backups
    ;;
  BACKUP)
    step shorten -t     # old kernel entries expire after PurgeTimeout (zombies from our time as master)
    step request -n     # ask the master for a full resync into our external cache
    ;;
  FAULT|STOP)
    step shorten -t
    ;;
esac
exit 0
