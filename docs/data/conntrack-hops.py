#!/usr/bin/env python3
"""conntrack-hops.py DIR [MS]: follows every echo message ("ID SEQ\\n") of conntrack-hops-run.sh's capture across the
LAN bridge's ports (vkc the client, vkn* the nodes, vkp* the pods; '>' the bridge sending on the port, '<' receiving)
and prints (1) for each stall of more than MS (default 50) between two echoes of one connection at the client, one
line per second, the hops of the message after it, in ms from its send; (2) over all messages, the time each spent
in the backend (request out on the pod's port to its echo back in) against the rest of its way (the client's port to
the client's port, less the backend). A message is keyed by connection id, sequence and the client's port (each round
opens new connections); only its first sighting per port counts."""

import collections, re, struct, sys

d = sys.argv[1]
thresh = float(sys.argv[2]) if len(sys.argv) > 2 else 50
names = {}
for l in open(d + '/links.txt'):
    m = re.match(r'(\d+): ([^:@]+)', l)
    if m:
        names[int(m.group(1))] = m.group(2)
f = open(d + '/all.pcap', 'rb')
head = f.read(24)
nano = struct.unpack('<I', head[:4])[0] == 0xa1b23c4d
assert struct.unpack('<I', head[20:24])[0] == 276, 'tcpdump -i any writes LINUX_SLL2'
times = collections.defaultdict(dict)  # (kind, id, seq, client port) -> {hop: first time}
while True:
    h = f.read(16)
    if len(h) < 16:
        break
    s, frac, incl, _ = struct.unpack('<IIII', h)
    p = f.read(incl)
    t = s + frac / (1e9 if nano else 1e6)
    if struct.unpack('>H', p[0:2])[0] != 0x0800:
        continue  # ARP: kept in the capture for reading by hand
    ifidx, pkttype = struct.unpack('>I', p[4:8])[0], p[10]
    ip = p[20:]
    tcp = ip[(ip[0] & 15) * 4:]
    sport, dport = struct.unpack('>HH', tcp[:4])
    pay = tcp[(tcp[12] >> 4) * 4:]
    kind = 'req' if dport == 9000 else 'echo'
    hop = '%s%s' % (names.get(ifidx, ifidx), '>' if pkttype == 4 else '<')
    for line in pay.split(b'\n'):
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            key = (kind, int(parts[0]), int(parts[1]), sport if kind == 'req' else dport)
            times[key].setdefault(hop, t)

echo_at = collections.defaultdict(list)
for (kind, cid, seq, port), hops in times.items():
    if kind == 'echo' and 'vkc>' in hops:
        echo_at[(cid, port)].append((hops['vkc>'], seq))
gaps = []
for conn, lst in echo_at.items():
    lst.sort()
    for (a, _), (b, seq) in zip(lst, lst[1:]):
        if thresh < (b - a) * 1000 < 5000:
            gaps.append((a, b, conn, seq))
last = 0
for a, b, (cid, port), seq in sorted(gaps):
    if a - last < 1:
        continue
    last = a
    req, echo = times[('req', cid, seq, port)], times[('echo', cid, seq, port)]
    t0 = min(req.values()) if req else a
    path = sorted([(t, 'req@' + h) for h, t in req.items()] + [(t, 'echo@' + h) for h, t in echo.items()])
    print('stall %.0f ms, connection %d (port %d), before message %d at %.3f: %s' % ((b - a) * 1000, cid, port, seq, a,
          ' '.join('%s+%.0f' % (n, (t - t0) * 1000) for t, n in path)))

backend, rest = [], []
for (kind, cid, seq, port), req in times.items():
    if kind != 'req':
        continue
    echo = times.get(('echo', cid, seq, port), {})
    to_pod = [t for h, t in req.items() if h.startswith('vkp') and h.endswith('>')]
    from_pod = [t for h, t in echo.items() if h.startswith('vkp') and h.endswith('<')]
    if to_pod and from_pod and 'vkc<' in req and 'vkc>' in echo:
        b = (min(from_pod) - min(to_pod)) * 1000
        backend.append(b)
        rest.append((echo['vkc>'] - req['vkc<']) * 1000 - b)
for name, v in (('in the backend', backend), ('the rest of the way', rest)):
    v.sort()
    n = len(v)
    print('%s: %d messages, median %.2f ms, p99 %.1f, p99.9 %.1f, max %.1f, over 50 ms: %d'
          % (name, n, v[n // 2], v[int(n * .99)], v[int(n * .999)], v[-1], sum(1 for x in v if x > 50)))
