#!/usr/bin/env python3
"""Bounded TCP client: N long-lived connections to HOST:PORT, each sends a short line every INTERVAL and expects the
echo. Records per connection the longest gap between two echoes (the stall), and whether it was reset or still stalled
at the end. Writes READY to --ready once all are connected; prints one JSON summary at the end. Never runs longer than
--seconds (hard cap 60)."""
import argparse, json, selectors, socket, time, errno

p = argparse.ArgumentParser()
p.add_argument("host"); p.add_argument("port", type=int)
p.add_argument("--conns", type=int, default=30)
p.add_argument("--interval", type=float, default=0.02)
p.add_argument("--seconds", type=float, default=20)
p.add_argument("--ready", default=None)
p.add_argument("--dead-after", type=float, default=3.0, help="no echo for this long at the end = dead")
a = p.parse_args()
a.seconds = min(a.seconds, 60.0)

t0 = time.monotonic()
sel = selectors.DefaultSelector()
conns = []
for i in range(a.conns):
    s = socket.create_connection((a.host, a.port), timeout=5)
    s.setblocking(False)
    c = {"i": i, "s": s, "sport": s.getsockname()[1], "last_rx": time.monotonic(), "max_gap": 0.0, "gap_at": None,
         "rx": 0, "tx": 0, "state": "ok", "err": None, "err_at": None, "buf": b""}
    conns.append(c)
    sel.register(s, selectors.EVENT_READ, c)
connected = time.monotonic()
if a.ready:
    with open(a.ready, "w") as f:
        f.write("READY %.3f\n" % time.time())

def fail(c, why):
    if c["state"] == "ok":
        c["state"], c["err"], c["err_at"] = "reset", why, time.monotonic() - connected
        try: sel.unregister(c["s"])
        except Exception: pass
        c["s"].close()

next_tx = time.monotonic()
end = t0 + a.seconds
seq = 0
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_tx:
        seq += 1
        msg = ("%08d\n" % seq).encode()
        for c in conns:
            if c["state"] != "ok": continue
            try:
                c["s"].send(msg); c["tx"] += 1
            except BlockingIOError:
                pass
            except OSError as e:
                fail(c, errno.errorcode.get(e.errno, str(e)))
        next_tx += a.interval
        if next_tx < now: next_tx = now + a.interval
    for key, _ in sel.select(timeout=max(0.0, min(next_tx, end) - time.monotonic())):
        c = key.data
        try:
            d = c["s"].recv(65536)
        except BlockingIOError:
            continue
        except OSError as e:
            fail(c, errno.errorcode.get(e.errno, str(e))); continue
        if not d:
            fail(c, "EOF"); continue
        t = time.monotonic()
        gap = t - c["last_rx"]
        if gap > c["max_gap"]:
            c["max_gap"], c["gap_at"] = gap, c["last_rx"] - connected
        c["last_rx"] = t; c["rx"] += d.count(b"\n")

now = time.monotonic()
for c in conns:
    if c["state"] == "ok":
        gap = now - c["last_rx"]
        if gap > a.dead_after:
            c["state"] = "stalled"
        if gap > c["max_gap"]:
            c["max_gap"], c["gap_at"] = gap, c["last_rx"] - connected
        c["s"].close()
ok = [c for c in conns if c["state"] == "ok"]
stalls = sorted(c["max_gap"] for c in ok)
def pct(q):
    return round(stalls[min(len(stalls) - 1, int(q * len(stalls)))], 3) if stalls else None
print(json.dumps({
    "conns": len(conns), "alive": len(ok),
    "reset": sum(c["state"] == "reset" for c in conns),
    "stalled_at_end": sum(c["state"] == "stalled" for c in conns),
    "errors": sorted({c["err"] for c in conns if c["err"]}),
    "stall_max_s": pct(1.0), "stall_p50_s": pct(0.5), "stall_min_s": pct(0.0),
    "stall_at_s": round(max((c["gap_at"] for c in ok if c["gap_at"] is not None), default=0), 2),
    "first_reset_at_s": round(min((c["err_at"] for c in conns if c["err_at"] is not None), default=-1), 2),
    "echoes": sum(c["rx"] for c in conns), "sent": sum(c["tx"] for c in conns),
}))
