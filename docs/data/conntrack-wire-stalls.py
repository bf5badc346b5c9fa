#!/usr/bin/env python3
"""conntrack-wire-stalls.py DIR > out.csv: per label round of conntrack-wire-run.sh, the client's longest stall (its
stalls CSV, within the failover window) against the longest gap between two echo payloads of one connection on the
wire (label.pcap), both directions, in the 3 s after the leaving node's "handing this node's VIPs over" log line
(written after its bulk send). The agents log times of day (UTC); the date is taken from the capture."""

import collections, csv, datetime, glob, subprocess, sys

ECHO_PORT = '9000'
d = sys.argv[1]
out = subprocess.run(['tcpdump', '-r', d + '/label.pcap', '-nn', '-tt', 'tcp port ' + ECHO_PORT],
                     capture_output=True, text=True, check=True).stdout
echoes = collections.defaultdict(list)  # client port -> times of payloads from the VIP
sends = collections.defaultdict(list)   # client port -> times of payloads from the client
first = None
for line in out.splitlines():
    if 'length' not in line or ' length 0' in line:
        continue  # payloads only: ACKs and handshakes say nothing about a message's way
    p = line.split()
    t = float(p[0])
    first = first if first is not None else t
    src, dst = p[2].rsplit('.', 1), p[4].rstrip(':').rsplit('.', 1)
    if src[1] == ECHO_PORT:
        echoes[dst[1]].append(t)
    else:
        sends[src[1]].append(t)

day = datetime.datetime.fromtimestamp(first, datetime.timezone.utc).date().isoformat()
actions = sorted(datetime.datetime.fromisoformat(day + 'T' + line[:12]).replace(tzinfo=datetime.timezone.utc).timestamp()
                 for f in glob.glob(d + '/logs/vk-node*.log') for line in open(f)
                 if 'ConntrackdApplier' in line and 'handing this node' in line)
actions = [a for a in actions if a >= first - 1]  # the label rounds: the SIGTERM run before was not captured

client = collections.defaultdict(int)
for r in csv.DictReader(open(d + '/label-stalls.csv')):
    a, s = int(r['from_action_ms']), int(r['stall_ms'])
    if a + s >= 0 and a <= 3000:
        client[int(r['round'])] = max(client[int(r['round'])], s)


def longest_gap(series, t0, t1):
    """(gap ms, its start ms after t0) of the longest gap of one connection that overlaps [t0, t1]."""
    return max(((b - a) * 1000, (a - t0) * 1000) for ts in series.values() for a, b in zip(ts, ts[1:])
               if b >= t0 and a <= t1 and b - a < 5)


w = csv.writer(sys.stdout, lineterminator='\n')
w.writerow(['round', 'action_utc', 'client_longest_stall_ms', 'wire_longest_echo_gap_ms', 'wire_gap_at_ms',
            'wire_longest_send_gap_ms'])
for i, t0 in enumerate(actions, 1):
    echo, send = longest_gap(echoes, t0, t0 + 3), longest_gap(sends, t0, t0 + 3)
    w.writerow([i, datetime.datetime.fromtimestamp(t0, datetime.timezone.utc).strftime('%H:%M:%S.%f')[:12],
                client.get(i, 0), '%.0f' % echo[0], '%.0f' % echo[1], '%.0f' % send[0]])
