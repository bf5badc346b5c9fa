#!/usr/bin/env python3
"""Client-side probes for the BGP prototype. Every loop is bounded in count and time.

  probe.py spread VIP N            N new TCP connections (sequential), tally of the node names answering
  probe.py watch VIP SECONDS MS    a new connection every MS ms for SECONDS s (each with a 300 ms budget);
                                   prints one line per probe: "<epoch> ok <node>" or "<epoch> fail <why>"
"""
import socket
import sys
import time

PORT = 80


def fetch(vip, timeout):
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((vip, PORT))
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            if len(data) > 65536:
                break
        body = data.split(b"\r\n\r\n", 1)[1].decode().strip() if b"\r\n\r\n" in data else ""
        return True, body or "empty"
    except OSError as e:
        return False, type(e).__name__
    finally:
        s.close()


def spread(vip, n):
    n = min(int(n), 10000)
    tally = {}
    deadline = time.time() + 120
    for _ in range(n):
        if time.time() > deadline:
            break
        ok, who = fetch(vip, 1.0)
        key = who if ok else "FAIL:" + who
        tally[key] = tally.get(key, 0) + 1
    for k in sorted(tally):
        print(f"{k} {tally[k]}")


def watch(vip, seconds, ms):
    end = time.time() + min(float(seconds), 120)
    step = max(int(ms), 5) / 1000.0
    nxt = time.time()
    while time.time() < end:
        t = time.time()
        ok, who = fetch(vip, 0.3)
        print(f"{t:.3f} {'ok' if ok else 'fail'} {who}", flush=True)
        nxt += step
        delay = nxt - time.time()
        if delay > 0:
            time.sleep(delay)
        else:
            nxt = time.time()


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "spread":
        spread(sys.argv[2], sys.argv[3])
    elif cmd == "watch":
        watch(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(2)
