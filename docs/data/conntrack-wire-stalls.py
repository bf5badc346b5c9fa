#!/usr/bin/env python3
"""conntrack-wire-stalls.py DIR: per label round of conntrack-wire-run.sh, the client's longest stall (its stalls CSV, within
the failover window) against the longest gap between echo payloads on the wire (label.pcap), from the leaving node's
"handing this node's VIPs over" log line (after its bulk send) for 3 s. Run on the day of the run (log times are HH:MM:SS)."""

import sys, subprocess, collections, csv, datetime, glob, re
d = sys.argv[1]
acts = []
for f in glob.glob(d + '/logs/vk-node*.log'):
    for l in open(f):
        if 'handing this node' in l and 'ConntrackdApplier' in l:
            acts.append(l[:12])
day = datetime.date.today().isoformat()
acts = sorted(datetime.datetime.fromisoformat(day + 'T' + a).replace(tzinfo=datetime.timezone.utc).timestamp() for a in acts)
out = subprocess.run(['tcpdump', '-r', d + '/label.pcap', '-nn', '-tt', 'tcp port 9000'], capture_output=True, text=True).stdout
rep = collections.defaultdict(list); snd = collections.defaultdict(list)
first = None
for l in out.splitlines():
    p = l.split()
    if ' length 0' in l or 'length' not in l: continue
    t = float(p[0]); first = first or t
    s, dd = p[2], p[4].rstrip(':')
    if s.startswith('198.51.100.50.'): snd[s.rsplit('.', 1)[1]].append(t)
    else: rep[dd.rsplit('.', 1)[1]].append(t)
acts = [a for a in acts if a >= first - 1]
# the bulk lines: label rounds have one per round (the leaving node's); keep those in the capture
client = collections.defaultdict(int)
for r in csv.DictReader(open(d + '/label-stalls.csv')):
    a = int(r['from_action_ms']); s = int(r['stall_ms'])
    if a + s >= 0 and a <= 3000: client[int(r['round'])] = max(client[int(r['round'])], s)
def maxgap(series, t0, t1):
    best = (0, 0)
    for ts in series.values():
        for a, b in zip(ts, ts[1:]):
            if b >= t0 and a <= t1 and (b - a) < 5: best = max(best, ((b - a) * 1000, (a - t0) * 1000))
    return best
print('round  action(UTC)  client_max  wire_reply_max(at)  wire_send_max(at)')
for i, t0 in enumerate(acts, 1):
    g = maxgap(rep, t0, t0 + 3); s = maxgap(snd, t0, t0 + 3)
    print(i, datetime.datetime.utcfromtimestamp(t0).strftime('%H:%M:%S.%f')[:12], client.get(i, 0), '%.0f (%.0f)' % g, '%.0f (%.0f)' % s)
