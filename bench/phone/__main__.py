"""python -m bench.phone: see the package docstring."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile

from bench.phone import __doc__ as DESCRIPTION
from bench.phone.common import children, login_all, running_stack, service_pids, verdict_line


def idle_streams(streams: int) -> bool:
    from bench.idle_streams import RSS_BAR_MB, STREAMS_BAR, measure_idle_streams, verdict

    f = measure_idle_streams(streams)
    print(
        f"(4) idle event streams on one gevent worker: {f['held']} / {f['streams']} held "
        f"({f['failures']} failures)"
    )
    print(
        f"  worker RSS anchor {f['rss_anchor_mb']:.1f} MB, idle {f['rss_idle_mb']:.1f} MB "
        f"({f['per_stream_kb']:.1f} KB/stream), after fan-out {f['rss_after_mb']:.1f} MB, "
        f"peak {f['rss_peak_mb']:.1f} MB"
    )
    print(
        f"  Redis pub/sub clients {f['pubsub_clients']}; "
        f"one event to all: received by {f['received']}, "
        f"p95 {f['latency_p95_ms']:.0f} ms; one stream beside them p50 {f['probe_p50_ms']:.1f} ms; "
        f"subscribers left after hang-up {f['subscribers_after_hangup']}"
    )
    passed = verdict(f)
    print(
        verdict_line(
            passed, f"{STREAMS_BAR:,} streams, RSS < {RSS_BAR_MB:.0f} MB, one Redis subscription"
        )
    )
    return passed


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--parts", default="1234", help="which measurements, e.g. 13")
    add("--candidates", type=int, default=300)
    add("--questions", type=int, default=60, help="essay questions on the paper")
    add("--concurrency", type=int, default=32, help="(1): connections")
    add("--seconds", type=float, default=4.0, help="(1): seconds per variant per round")
    add("--rounds", type=int, default=5, help="(1): rounds of the three variants")
    add("--warmup", type=float, default=1.0, help="(1): warm-up seconds per variant")
    add("--workers", type=int, default=2, help="gunicorn gevent workers")
    add("--media-workers", type=int, default=2)
    add("--photo-parts", default="abc", help="(3): which of a, b, c ((d) is always printed)")
    add("--phones", type=int, default=50, help="(3): paired phones; (3b) sends from all")
    add("--capacity-phones", type=int, default=8, help="(3a): phones in the closed loop")
    add("--capacity-seconds", type=float, default=15.0, help="(3a): measured seconds per photo")
    add("--warmup-seconds", type=float, default=3.0, help="(3a): unmeasured seconds first")
    add("--spread", type=float, default=0.0, help="(3b): start over this many seconds instead")
    add("--load", type=float, default=0.8, help="(3c): arrival rate, share of (3a)'s capacity")
    add("--rate", type=float, default=0.0, help="(3c): arrival rate in photos/s instead")
    add("--open-photos", type=int, default=80, help="(3c): photos sent")
    add("--streams", type=int, default=5000, help="(4): idle streams")
    add(
        "--profile-media",
        action="store_true",
        help="(3): run the media workers under cProfile and print where their time went",
    )
    args = parser.parse_args()
    assert args.candidates >= max(args.concurrency, args.phones, args.capacity_phones)
    return args


def main() -> int:
    args = arguments()
    print(
        f"phone companion bench: {os.cpu_count()} cores, gunicorn {args.workers} gevent workers, "
        f"{args.media_workers} media workers; load average {os.getloadavg()[0]:.2f} at the start"
    )
    results: dict[str, bool] = {}

    if "2" in args.parts:  # on a quiet machine, before any server starts
        from bench.phone.qr import render_cost

        results["render"] = render_cost()

    if "1" in args.parts or "3" in args.parts:
        from sqlalchemy import create_engine

        from bench.qr_render import BASE_URL

        media_workers = args.media_workers if "3" in args.parts else 0
        profiles = tempfile.TemporaryDirectory(prefix="examcloud-profiles-")
        args.profile_dir = profiles.name if args.profile_media else None
        with running_stack(args, media_workers, BASE_URL) as stack:
            sessions = asyncio.run(login_all(stack.port, stack.exam_id, stack.credentials))
            print(
                f"  {len(sessions)} candidates logged in "
                f"with attempts of {args.questions} essay questions"
            )
            if "1" in args.parts:
                from bench.phone.qr import qr_throughput, report_throughput

                engine = create_engine(stack.database_url, pool_size=1)
                pids = {
                    "web": children(stack.server.pid),
                    "db": service_pids(stack.database_url, stack.redis_url),
                    "bench": [os.getpid()],
                }
                figures = asyncio.run(
                    qr_throughput(
                        stack.port,
                        sessions,
                        args.questions,
                        args.concurrency,
                        args.seconds,
                        args.rounds,
                        args.warmup,
                        engine,
                        pids,
                    )
                )
                engine.dispose()
                results["qr"] = report_throughput(figures, args.concurrency, args.seconds)

            if "3" in args.parts:
                from bench.phone.photo_report import report_photos
                from bench.phone.photos import measure

                figures = asyncio.run(measure(stack, sessions[: args.phones], args))
                results["photos"] = report_photos(figures)
        if args.profile_media:  # written when the workers stopped
            from bench.phone.profiled_worker import top

            top(profiles.name)
        profiles.cleanup()

    if "4" in args.parts:
        results["streams"] = idle_streams(args.streams)

    passed = all(results.values())
    print(
        "bars: "
        + ", ".join(f"{name} {'PASS' if ok else 'FAIL'}" for name, ok in results.items())
        + f" -> {'PASS' if passed else 'FAIL'}; load average {os.getloadavg()[0]:.2f} at the end"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
