#!/usr/bin/env python3
"""Bounded HTTP load for docs/benchmarks.md (conntrack sync overhead), run inside vk-client by conntrack-overhead.sh.

usage: conntrack-load.py HOST PORT SECONDS PARALLEL [PROCESSES]

PROCESSES x PARALLEL clients, each opening a new TCP connection per request (GET /, HTTP/1.0, the server closes), for
SECONDS (at most 120). Prints one line: ok=N failed=N seconds=S rate=R (answered requests per second).
"""
import asyncio
import multiprocessing
import sys
import time


async def client(host, port, end, counts):
    while time.monotonic() < end:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
            w.write(b"GET / HTTP/1.0\r\nHost: load\r\n\r\n")
            data = await asyncio.wait_for(r.read(), 2.0)
            w.close()
            counts[0 if data[:16].split(b" ")[1:2] == [b"200"] else 1] += 1
        except (OSError, asyncio.TimeoutError):
            counts[1] += 1
            await asyncio.sleep(0.01)


def process(host, port, seconds, parallel, out):
    counts = [0, 0]
    end = time.monotonic() + seconds

    async def main():
        await asyncio.gather(*(client(host, port, end, counts) for _ in range(parallel)))

    asyncio.run(main())
    out.put(counts)


def main():
    host, port, seconds, parallel = sys.argv[1], int(sys.argv[2]), min(float(sys.argv[3]), 120), int(sys.argv[4])
    procs = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    out = multiprocessing.Queue()
    start = time.monotonic()
    ps = [multiprocessing.Process(target=process, args=(host, port, seconds, parallel, out)) for _ in range(procs)]
    for p in ps:
        p.start()
    ok = failed = 0
    for _ in ps:
        a, b = out.get(timeout=seconds + 30)
        ok += a
        failed += b
    for p in ps:
        p.join(10)
    took = time.monotonic() - start
    print(f"ok={ok} failed={failed} seconds={took:.1f} rate={ok / took:.0f}")


if __name__ == "__main__":
    main()
