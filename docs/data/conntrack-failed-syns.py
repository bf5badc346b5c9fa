#!/usr/bin/env python3
"""Where the new requests of a conntrack-label-fast-probe-run.sh DIR failed, from its capture (DIR/cap.pcap).

For each handshake through the VIP: the node that NATed the client's SYN to a backend and the node the backend's
SYN-ACK went to (without the handoff chain, a handshake split across the two nodes in a handover needed the sync to
beat the backend's answer; with it, the other node routes the SYN-ACK on), and how many SYNs reached another node
than the one that NATed them (routed there by the handoff chain). For each
failed request of DIR/probe.txt (its client port is in the error): whether that port had been used in the 2 s
before (two probes walking the same port range), whether the node forwarded the SYN to a backend, and whether the
backend answered. Needs tcpdump. Usage: conntrack-failed-syns.py DIR [VIP]
"""
import collections
import re
import subprocess
import sys

d = sys.argv[1]
vip = sys.argv[2] if len(sys.argv) > 2 else None
lines = subprocess.run(['tcpdump', '-r', d + '/cap.pcap', '-n', '-e', '-tt', 'tcp'], capture_output=True, text=True).stdout
pkt = re.compile(r'(\S+) (\S+) > (\S+), ethertype IPv4 .*?: (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[(\S+)\]')
byport = collections.defaultdict(list)   # client port -> [(time, what, mac)]
CLIENT_MACS = '02:76:6b:00:03:'   # the lab's clients (Lan.mac: kind 3); nodes are kind 1, pods kind 2
syn_mac = {}   # client port -> the node the client's SYN reached
nat_mac = {}   # client port -> the node that NATed it to a backend
handshakes = split = routed = 0
for line in lines.splitlines():
    m = pkt.match(line)
    if not m:
        continue
    t, smac, dmac, sip, sp, dip, dp, flags = m.groups()
    t = float(t)
    if vip is None and dp == '80' and flags == 'S':
        vip = dip
    if dip == vip and dp == '80' and flags == 'S' and smac.startswith(CLIENT_MACS):  # client -> VIP: the node it went to
        byport[int(sp)].append((t, 'client-syn', dmac))
        syn_mac[sp] = dmac
    elif sip == vip and flags == 'S':                         # node -> backend, SNATed to the VIP
        byport[int(sp)].append((t, 'forwarded', dmac))
        nat_mac[sp] = smac
    elif dip == vip and flags == 'S.':                        # backend -> VIP: the node it went to
        byport[int(dp)].append((t, 'syn-ack', dmac))
        if dp in nat_mac:
            handshakes += 1
            nat = nat_mac.pop(dp)
            split += nat != dmac
            routed += syn_mac.pop(dp, nat) != nat
print(f'handshakes through {vip}: {handshakes}; SYN-ACK to another node than the one that NATed the SYN: {split}; '
      f'SYNs routed by another node: {routed}')

kinds = collections.Counter()
for line in open(d + '/probe.txt'):
    f = line.split()
    if not line.startswith('ERR') or '@' not in f[3]:
        continue
    sent, port = int(f[1]) / 1e6, int(f[3].split('@')[1])
    events = [e for e in byport[port] if sent - 2 <= e[0] <= sent + 1.2]
    before = [e for e in events if e[1] == 'client-syn' and e[0] < sent - 0.0005]
    after = [e for e in events if e[0] >= sent - 0.0005]
    reuse = 'port used in the 2 s before' if before else 'port not used in the 2 s before'
    if not any(e[1] == 'forwarded' for e in after):
        path = 'the node did not forward the SYN'
    elif not any(e[1] == 'syn-ack' for e in after):
        path = 'forwarded, the backend did not answer'
    else:
        path = 'the backend answered'
    kinds[(reuse, path)] += 1
for (reuse, path), n in sorted(kinds.items(), key=lambda kv: -kv[1]):
    print(f'failed requests: {n:5d}  {reuse}; {path}')
