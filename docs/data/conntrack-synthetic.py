#!/usr/bin/env python3
"""Synthetic short connections for conntrackd's cost at a given rate, without TCP traffic (the lab's 2 cores cannot
carry 10,000 real connections/s through a VIP with sync on). Each "connection" is a conntrack entry written through
ctnetlink the way a short TCP connection moves through the table: created in SYN_SENT, updated to ESTABLISHED,
FIN_WAIT and TIME_WAIT, deleted: five events for conntrackd to sync, as a real one gives (a real one gives a few more
updates). Entries: 203.0.113.0/24 clients to VIP:80, reply from the VIP (no NAT). Run inside the MASTER's namespace:

    ip netns exec vk-nodeN python3 conntrack-synthetic.py RATE SECONDS [VIP]

Prints per second: connections written, netlink errors. Bounded: at most SECONDS (<= 600) and RATE (<= 50,000).
"""
import os, socket, struct, sys, time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_NEW, IPCTNL_MSG_CT_DELETE = 0, 2
NLM_F_REQUEST, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x200, 0x400
NLA_F_NESTED = 0x8000
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_PROTOINFO, CTA_TIMEOUT = 1, 2, 4, 7
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_PROTOINFO_TCP, CTA_PROTOINFO_TCP_STATE = 1, 1
SYN_SENT, ESTABLISHED, FIN_WAIT, TIME_WAIT = 1, 3, 4, 7


def nla(kind, payload):
    n = 4 + len(payload)
    return struct.pack("HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def nested(kind, *parts):
    return nla(kind | NLA_F_NESTED, b"".join(parts))


def tuple_attr(kind, src, dst, sport, dport):
    return nested(kind,
                  nested(CTA_TUPLE_IP, nla(CTA_IP_V4_SRC, src), nla(CTA_IP_V4_DST, dst)),
                  nested(CTA_TUPLE_PROTO, nla(CTA_PROTO_NUM, struct.pack("B", 6)),
                         nla(CTA_PROTO_SRC_PORT, struct.pack(">H", sport)), nla(CTA_PROTO_DST_PORT, struct.pack(">H", dport))))


def message(kind, flags, seq, attrs):
    body = struct.pack("BBH", socket.AF_INET, 0, 0) + attrs
    return struct.pack("IHHII", 16 + len(body), (NFNL_SUBSYS_CTNETLINK << 8) | kind, NLM_F_REQUEST | flags, seq, 0) + body


def conn(i):
    """Connection i: client 203.0.113.(1..250), port 1024.. (250 * 60,000 distinct tuples)."""
    return bytes([203, 0, 113, 1 + i % 250]), 1024 + (i // 250) % 60000


def write(i, step, vip, seq):
    client, port = conn(i)
    orig = tuple_attr(CTA_TUPLE_ORIG, client, vip, port, 80)
    if step == 4:
        return message(IPCTNL_MSG_CT_DELETE, 0, seq, orig)
    reply = tuple_attr(CTA_TUPLE_REPLY, vip, client, 80, port)
    state = (SYN_SENT, ESTABLISHED, FIN_WAIT, TIME_WAIT)[step]
    attrs = orig + reply + nla(CTA_TIMEOUT, struct.pack(">I", 120)) + nested(CTA_PROTOINFO, nested(CTA_PROTOINFO_TCP,
            nla(CTA_PROTOINFO_TCP_STATE, struct.pack("B", state))))
    if step == 0:
        return message(IPCTNL_MSG_CT_NEW, NLM_F_CREATE | NLM_F_EXCL, seq, attrs)
    return message(IPCTNL_MSG_CT_NEW, 0, seq, attrs)  # an update: the TCP state and the timeout change


def main():
    rate = min(int(sys.argv[1]), 50000)
    seconds = min(int(sys.argv[2]), 600)
    vip = socket.inet_aton(sys.argv[3] if len(sys.argv) > 3 else "198.51.100.200")
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((0, 0))
    s.setblocking(False)
    tick = 0.01
    per_tick = rate * tick
    lag = 5  # ticks between a connection's steps: 50 ms each, 200 ms from SYN_SENT to deleted
    start = time.monotonic()
    seq = errors = 0
    ticks = int(seconds / tick)
    reported, reported_at = 0, start
    for t in range(ticks + 4 * lag):  # the last ticks only finish the connections already started
        wait = start + t * tick - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        batch = []
        for step in range(5):
            at = t - step * lag
            if at < 0 or at >= ticks:
                continue
            for i in range(int(per_tick * at), int(per_tick * (at + 1))):
                seq += 1
                batch.append(write(i, step, vip, seq))
        buf = b"".join(batch)
        while buf:
            chunk, buf = cut(buf, 60000)
            try:
                s.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)
                buf = chunk + buf
        try:
            while True:
                errors += count_errors(s.recv(1 << 16))
        except BlockingIOError:
            pass
        now = time.monotonic()
        started = int(per_tick * min(t + 1, ticks))
        if now - reported_at >= 1:
            print(f"{now - start:6.1f} s: {started - reported} connections started in {now - reported_at:.2f} s, "
                  f"{errors} netlink errors so far", flush=True)
            reported, reported_at = started, now
    print(f"done: {int(per_tick * ticks)} connections in {time.monotonic() - start:.1f} s, {errors} netlink errors", flush=True)


def cut(buf, limit):
    """At most limit bytes, at a message boundary."""
    if len(buf) <= limit:
        return buf, b""
    pos = 0
    while True:
        n = struct.unpack_from("I", buf, pos)[0]
        if pos + n > limit:
            return buf[:pos], buf[pos:]
        pos += n


def count_errors(data):
    pos = n = 0
    while pos + 16 <= len(data):
        length, kind = struct.unpack_from("IH", data, pos)
        if kind == 2 and struct.unpack_from("i", data, pos + 16)[0] != 0:  # NLMSG_ERROR with an error code
            n += 1
        pos += max(length, 16)
    return n


if __name__ == "__main__":
    main()
