#!/usr/bin/env python3
"""Line echo server for the backend pods: echoes every byte back. Bounded by --seconds."""
import asyncio, sys

async def handle(r, w):
    try:
        while True:
            data = await r.read(4096)
            if not data:
                break
            w.write(data)
            await w.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        w.close()

async def main(port, seconds):
    srv = await asyncio.start_server(handle, "0.0.0.0", port, backlog=256)
    async with srv:
        await asyncio.sleep(seconds)

asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
