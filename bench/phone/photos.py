"""Part (3): answer photos from intake to the desktop's photo_ready (issues 5 and 15).

(a) capacity, closed loop: --capacity-phones phones each send a photo, wait for its
    photo_ready, send the next, for --capacity-seconds after a warm-up; photos/s completed end
    to end and the CPU each process group spent per photo, for 12 MP originals and for the same
    photo as a phone sends it after compressing it (1600 px long edge, quality 80, EXIF kept);
(b) --phones phones send a phone-compressed photo at the same instant;
(c) 12 MP originals arriving evenly spaced at --load of (a)'s capacity for originals,
    --open-photos of them, open loop (each is sent when it is due, on a phone not busy);
(d) the upload bytes per photo before and after compression.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from bench.phone.clients import Phone, job_times, pair_phones
from bench.phone.common import cpu_by_group

PHONE_LONG_EDGE = 1600
PHONE_QUALITY = 80  # wx.compressImage's default quality is 80
BURST_P95_BAR_S = 1.0
OPEN_LOOP_P95_BAR_S = 1.5
TIMEOUT_S = 120.0


def test_photos() -> dict[str, bytes]:
    """The 12 MP camera original and the same photo as a phone sends it, rotated or upright."""
    from tests.photos import camera_jpeg, phone_compressed

    original = camera_jpeg(4000, 3000, orientation=6)
    return {
        "original": original,
        # Stored as the camera held it, EXIF orientation 6 and GPS kept: the server turns it.
        "phone": phone_compressed(original, PHONE_LONG_EDGE, PHONE_QUALITY),
        # Turned upright on the phone (the web companion's canvas, phones that rotate), GPS
        # kept: the server only strips the metadata.
        "upright": phone_compressed(
            camera_jpeg(4000, 3000, orientation=1), PHONE_LONG_EDGE, PHONE_QUALITY
        ),
    }


def step_floors(photo: bytes, redis_url: str, long_edge: int, repeat: int = 7) -> dict:
    """CPU seconds (medians, in this process) of one photo's steps: the intake check, the job's
    image work (downscale or re-encode), and one event published to Redis."""
    from redis import Redis

    from server.adapters.events import EventLog
    from server.domain import photos
    from server.domain.events import EventType

    log = EventLog(Redis.from_url(redis_url), types=EventType)

    def cost(function) -> float:
        function()  # warm
        times = []
        for _ in range(repeat):
            started = time.process_time()
            function()
            times.append(time.process_time() - started)
        return statistics.median(times)

    image = photos.downscale_jpeg(photo, long_edge)
    payload = {"photo_id": 1, "n": 1, "url": "x" * 200, "width": 1200, "height": 1600}
    return {
        "intake": cost(lambda: photos.inspect_upload(photo, 25 * 1024 * 1024)),
        "image": cost(lambda: photos.downscale_jpeg(photo, long_edge)),
        "event": cost(lambda: log.publish(2_000_000_000, EventType.PHOTO_READY, payload)),
        "stored_bytes": len(image),
    }


async def capacity(
    phones: list[Phone], photo: bytes, seconds: float, warmup: float, pids: dict, tag: str
) -> dict:
    """Photos/s completed end to end with every phone sending back to back (closed loop)."""
    records: list[dict] = []
    loop_start = time.perf_counter()
    window_start, window_end = loop_start + warmup, loop_start + warmup + seconds
    cpu: dict[str, dict[str, float]] = {}

    async def phone_loop(phone: Phone) -> None:
        while time.perf_counter() < window_end:
            record: dict = {}
            records.append(record)
            await phone.send(record, phone.body(photo, tag))
            await phone.ready(record, TIMEOUT_S)
            if "ready" not in record:
                return

    async def meter() -> None:
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        cpu["start"] = cpu_by_group(pids)
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        cpu["end"] = cpu_by_group(pids)

    await asyncio.gather(meter(), *(phone_loop(phone) for phone in phones))
    in_window = [r for r in records if "ready" in r and window_start <= r["ready"] < window_end]
    failed = [r for r in records if "ready" not in r]
    done = max(len(in_window), 1)
    return {
        "phones": len(phones),
        "seconds": seconds,
        "completed": len(in_window),
        "rate": len(in_window) / seconds,
        "failed": failed,
        "latency": [r["ready"] - r["start"] for r in in_window],
        "cpu_ms": {
            group: (cpu["end"][group] - cpu["start"][group]) * 1000 / done for group in pids
        },
    }


async def burst(phones: list[Phone], photo: bytes, pids: dict, spread: float = 0.0) -> dict:
    """Every phone sends `photo` at the same instant (or evenly over `spread` seconds)."""
    bodies = [phone.body(photo, "burst") for phone in phones]
    records: list[dict] = [{} for _ in phones]
    loop = asyncio.get_running_loop()
    burst_at = loop.time() + 0.5

    async def one(index: int) -> None:
        due = burst_at + spread * index / len(phones)
        await asyncio.sleep(max(0.0, due - loop.time()))
        records[index]["due"] = time.perf_counter()
        await phones[index].send(records[index], bodies[index])
        await phones[index].ready(records[index], TIMEOUT_S)

    before = cpu_by_group(pids)
    await asyncio.gather(*(one(index) for index in range(len(phones))))
    after = cpu_by_group(pids)
    return {"records": records, "cpu": {group: after[group] - before[group] for group in pids}}


async def open_loop(phones: list[Phone], photo: bytes, rate: float, count: int, pids: dict) -> dict:
    """`count` photos due evenly at `rate` per second, each on the next phone that is free."""
    records: list[dict] = [{} for _ in range(count)]
    free: asyncio.Queue[Phone] = asyncio.Queue()
    for phone in phones:
        free.put_nowait(phone)
    loop = asyncio.get_running_loop()
    begin = loop.time() + 0.5

    async def one(index: int) -> None:
        await asyncio.sleep(max(0.0, begin + index / rate - loop.time()))
        record = records[index]
        record["due"] = time.perf_counter()
        phone = await free.get()  # waits only if every phone is still sending
        body = phone.body(photo, "open")
        await phone.send(record, body)
        free.put_nowait(phone)
        await phone.ready(record, TIMEOUT_S)

    before = cpu_by_group(pids)
    await asyncio.gather(*(one(index) for index in range(count)))
    after = cpu_by_group(pids)
    return {
        "records": records,
        "rate": rate,
        "cpu": {group: after[group] - before[group] for group in pids},
    }


async def measure(stack, sessions: list[tuple[str, int]], args) -> dict:
    """Every sub-part of (3) in one event loop, on the same processes and phones."""
    from server.config import Settings

    long_edge = Settings.model_fields["PHOTO_LONG_EDGE"].default
    kinds = test_photos()
    figures: dict = {
        "photos": {name: len(data) for name, data in kinds.items()},
        "floors": {
            name: step_floors(data, stack.redis_url, long_edge) for name, data in kinds.items()
        },
        "media_workers": len(stack.media),
    }
    phones = await pair_phones(stack.port, sessions)
    pids = stack.pids()
    try:
        if "a" in args.photo_parts:
            figures["capacity"] = {}
            for name, data in kinds.items():
                figures["capacity"][name] = await capacity(
                    phones[: args.capacity_phones],
                    data,
                    args.capacity_seconds,
                    args.warmup_seconds,
                    pids,
                    f"cap-{name}",
                )
        if "b" in args.photo_parts:
            figures["burst"] = await burst(phones, kinds["phone"], pids, args.spread)
            job_times(stack.redis_url, figures["burst"]["records"])
        if "c" in args.photo_parts:
            measured = figures.get("capacity", {}).get("original", {}).get("rate", 0.0)
            rate = args.rate or args.load * measured
            assert rate > 0, "(3c) needs (3a)'s capacity or --rate"
            figures["open"] = await open_loop(
                phones, kinds["original"], rate, args.open_photos, pids
            )
            job_times(stack.redis_url, figures["open"]["records"])
    finally:
        for phone in phones:
            phone.close()
    return figures
