#!/usr/bin/env python3
"""Cheap TCP connection churn for docs/benchmarks.md (conntrack sync overhead), run by conntrack-rates.sh.

usage: conntrack-connect.py connect HOST PORTS SECONDS RATE [CONCURRENCY=256] [PROCESSES=2]
       conntrack-connect.py serve PORTS SECONDS
PORTS: a port or a range FIRST-LAST (at most 64 ports).

connect: PROCESSES non-blocking epoll loops open TCP connections to HOST, on each of PORTS in turn, at RATE per second
in all (0: as fast as they go), at most CONCURRENCY handshakes in flight per process, for SECONDS (at most 60). Each
connection completes its handshake and is then reset by the client (SO_LINGER 0): four packets, no TIME_WAIT on
either end (TIME_WAIT would hold each of a client address's ports for 60 s), and the node's conntrack entry goes to
CLOSE and is destroyed 10 s later: one NEW and one DESTROY event per connection. Several server ports keep a client
port from coming back (to the same 4-tuple) within those 10 s, which would end the old entry early. Prints one line:
ok=N failed=N seconds=S rate=R p10=R median=R min=R client_cpu_pct=C
(R: connected per second over the run; p10/median/min over its whole seconds, the first one left out).

serve: accepts on every one of PORTS and closes each connection at once, for SECONDS (at most 900), then exits.
"""
import errno
import multiprocessing
import os
import select
import socket
import struct
import sys
import time

LINGER_RESET = struct.pack("ii", 1, 0)


def ports(text):
    first, _, last = text.partition("-")
    r = range(int(first), int(last or first) + 1)
    if not 1 <= len(r) <= 64 or r[0] < 1 or r[-1] > 65535:
        print("PORTS: a port or a range FIRST-LAST of at most 64 ports", file=sys.stderr)
        sys.exit(2)
    return list(r)


def serve(port_list, seconds):
    ep = select.epoll()
    listeners = {}
    for port in port_list:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(4096)
        s.setblocking(False)
        listeners[s.fileno()] = s
        ep.register(s.fileno(), select.EPOLLIN)
    end = time.monotonic() + min(seconds, 900)
    while time.monotonic() < end:
        for fd, _ in ep.poll(1.0):
            for _ in range(64):  # drain the queue, bounded
                try:
                    c, _ = listeners[fd].accept()
                except OSError:  # empty (EAGAIN), or reset before accept
                    break
                c.close()


def churn(host, port_list, seconds, rate, concurrency, out):
    ep = select.epoll()
    inflight = {}  # fd -> socket
    ok = failed = started = 0
    start = time.monotonic()
    end = start + seconds
    per_second = [0] * (int(seconds) + 2)
    t0 = os.times()
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - start) * rate) if rate > 0 else started + concurrency
        while started < due and len(inflight) < concurrency:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            e = s.connect_ex((host, port_list[started % len(port_list)]))
            started += 1
            if e not in (0, errno.EINPROGRESS):
                s.close()
                failed += 1
                continue
            fd = s.fileno()
            inflight[fd] = s
            ep.register(fd, select.EPOLLOUT)
        wait = 0.001 if rate > 0 else 0.05
        for fd, ev in ep.poll(wait, 1024):
            s = inflight.pop(fd)
            ep.unregister(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                ok += 1
                per_second[int(time.monotonic() - start)] += 1
            else:
                failed += 1
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            s.close()
    # handshakes still in flight after SECONDS count as failed (each was given at least the last poll)
    failed += len(inflight)
    for s in inflight.values():
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
        s.close()
    t1 = os.times()
    out.put((ok, failed, per_second, (t1.user - t0.user) + (t1.system - t0.system)))


def connect(host, port_list, seconds, rate, concurrency, procs):
    out = multiprocessing.Queue()
    start = time.monotonic()
    ps = [multiprocessing.Process(target=churn, args=(host, port_list, seconds, rate / procs, concurrency, out)) for _ in range(procs)]
    for p in ps:
        p.start()
    ok = failed = 0
    cpu = 0.0
    per_second = [0] * (int(seconds) + 2)
    for _ in ps:
        a, b, ps_counts, c = out.get(timeout=seconds + 30)
        ok += a
        failed += b
        cpu += c
        per_second = [x + y for x, y in zip(per_second, ps_counts)]
    for p in ps:
        p.join(10)
    took = time.monotonic() - start
    whole = sorted(per_second[1:int(seconds)])
    p10 = whole[len(whole) // 10] if whole else 0
    median = whole[len(whole) // 2] if whole else 0
    low = whole[0] if whole else 0
    print(f"ok={ok} failed={failed} seconds={took:.1f} rate={ok / took:.0f} p10={p10} median={median} min={low} "
          f"client_cpu_pct={cpu / took * 100:.0f}")


def main():
    a = sys.argv[1:]
    try:
        run(a)
    except ValueError:  # a number that does not parse
        usage()


def run(a):
    if len(a) >= 3 and a[0] == "serve":
        serve(ports(a[1]), float(a[2]))
    elif 5 <= len(a) <= 7 and a[0] == "connect":
        connect(a[1], ports(a[2]), min(float(a[3]), 60), float(a[4]),
                int(a[5]) if len(a) > 5 else 256, int(a[6]) if len(a) > 6 else 2)
    else:
        usage()


def usage():
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
