"""A small asyncio HTTP/1.1 load generator (keep-alive connections, no dependencies).

Runs in its own process so that it never shares the interpreter with the server. Given a
scenario file (JSON lines of requests) it replays them over N connections, either as fast as
it can (closed loop) or at a fixed rate (open loop), and prints one JSON report on stdout.

    python bench/loadgen.py --port 8077 --requests scans.jsonl --connections 32 --duration 10
"""

import argparse
import asyncio
import itertools
import json
import sys
import time


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def send(self, request: dict) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        body = request.get("body", "").encode()
        head = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: {self.host}"]
        head += [f"{k}: {v}" for k, v in request.get("headers", {}).items()]
        head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, payload


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


async def run(args, requests: list) -> dict:
    feed = itertools.cycle(requests) if args.cycle else iter(requests)
    latencies, statuses, failures = [], {}, 0
    deadline = time.perf_counter() + args.duration
    interval = 1 / args.rate if args.rate else 0
    started = time.perf_counter()
    sent = 0

    async def one(conn: Connection, request: dict) -> None:
        nonlocal failures
        t0 = time.perf_counter()
        try:
            status, payload = await conn.send(request)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError):
            failures += 1
            conn.writer = None
            return
        latencies.append(time.perf_counter() - t0)
        statuses[status] = statuses.get(status, 0) + 1
        follow = request.get("then")
        if follow and status < 300:
            # A pair (request then confirm): the second call uses the first one's answer.
            answer = json.loads(payload)
            path = follow["path"].replace("{id}", str(answer["redemption"]["id"]))
            await one(conn, {**follow, "path": path})

    async def worker(conn: Connection, slot: int) -> None:
        nonlocal sent
        while time.perf_counter() < deadline:
            if interval:
                # Open loop: request k starts at started + k * interval, whatever the server does.
                target = started + (sent * interval)
                sent += 1
                delay = target - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            try:
                request = next(feed)
            except StopIteration:
                return
            await one(conn, request)

    conns = [Connection(args.host, args.port) for _ in range(args.connections)]
    await asyncio.gather(*(c.open() for c in conns))
    await asyncio.gather(*(worker(c, i) for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    done = len(latencies)
    return {
        "requests": done,
        "seconds": round(elapsed, 3),
        "rps": round(done / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "connection_errors": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", required=True, help="JSON lines, one request each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument(
        "--rate", type=float, default=0, help="requests/s (0 = as fast as possible)"
    )
    parser.add_argument("--cycle", action="store_true", help="reuse the requests when they run out")
    args = parser.parse_args()
    with open(args.requests) as lines:
        requests = [json.loads(line) for line in lines]
    report = asyncio.run(run(args, requests))
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
