"""Part (3)'s figures as tables, and its bars (issue 15)."""

from __future__ import annotations

import os
import statistics

from bench.phone.common import percentile, verdict_line
from bench.phone.photos import BURST_P95_BAR_S, OPEN_LOOP_P95_BAR_S, PHONE_LONG_EDGE, PHONE_QUALITY

LABELS = {
    "original": "12 MP original",
    "phone": f"phone {PHONE_LONG_EDGE} px q{PHONE_QUALITY}, EXIF rot. 6",
    "upright": f"phone {PHONE_LONG_EDGE} px q{PHONE_QUALITY}, upright",
}


def row(name: str, values: list[float]) -> None:
    values = [value for value in values if value is not None]
    if values:
        print(
            f"    {name:<34} min {min(values):6.2f}  p50 {statistics.median(values):6.2f}  "
            f"p95 {percentile(values, 0.95):6.2f}  max {max(values):6.2f} s"
        )


def report_photos(figures: dict) -> bool:
    cores = os.cpu_count() or 1
    print(
        f"(3) answer photos, intake -> job -> photo_ready; {figures['media_workers']} media "
        f"workers, {cores} cores shared by every process"
    )
    passed = True
    sizes = figures["photos"]
    print(
        f"  (3d) upload bytes per photo: 12 MP original {sizes['original'] / 1e6:.2f} MB, "
        f"phone-compressed {sizes['phone'] / 1e3:.0f} KB "
        f"({sizes['original'] / sizes['phone']:.0f}x fewer bytes); "
        f"stored copy {figures['floors']['original']['stored_bytes'] / 1e3:.0f} KB "
        f"/ {figures['floors']['phone']['stored_bytes'] / 1e3:.0f} KB "
        f"/ upright {figures['floors']['upright']['stored_bytes'] / 1e3:.0f} KB"
    )
    if "capacity" in figures:
        passed &= report_capacity(figures, cores)
    if "burst" in figures:
        passed &= report_latency(
            "(3b) phone-compressed photos (EXIF orientation 6), every phone at the same instant",
            figures["burst"],
            BURST_P95_BAR_S,
        )
    if "open" in figures:
        open_ = figures["open"]
        passed &= report_latency(
            f"(3c) 12 MP originals, open loop, {len(open_['records'])} photos evenly spaced at "
            f"{open_['rate']:.2f}/s",
            open_,
            OPEN_LOOP_P95_BAR_S,
        )
    return passed


def report_capacity(figures: dict, cores: int) -> bool:
    print(
        "  (3a) capacity, closed loop (each phone sends its next photo on photo_ready); "
        "CPU ms per completed photo by process group; the CPU floor of each step measured "
        "alone in the load generator"
    )
    print(
        f"    {'photo':<34} {'phones':>6} {'photos/s':>9} {'per core':>9} "
        f"{'web':>6} {'media':>6} {'pg+redis':>8} {'bench':>6} {'p50 s':>6}"
        f" | {'intake':>6} {'image':>6} {'event':>6}"
    )
    ok = True
    for name, result in figures["capacity"].items():
        cpu, floor = result["cpu_ms"], figures["floors"][name]
        print(
            f"    {LABELS[name]:<34} {result['phones']:>6} {result['rate']:>9.2f} "
            f"{result['rate'] / cores:>9.2f} {cpu['web']:>6.0f} {cpu['media']:>6.0f} "
            f"{cpu['services']:>8.0f} {cpu['bench']:>6.0f} "
            f"{statistics.median(result['latency'] or [float('nan')]):>6.2f}"
            f" | {floor['intake'] * 1000:>6.1f} {floor['image'] * 1000:>6.1f} "
            f"{floor['event'] * 1000:>6.2f}"
        )
        server_ms = cpu["web"] + cpu["media"] + cpu["services"]
        print(
            f"    {'':<34} server CPU {server_ms:.0f} ms/photo: at most "
            f"{cores * 1000 / server_ms:.1f} photos/s on {cores} cores with no load generator; "
            f"media work beyond the image step {cpu['media'] - floor['image'] * 1000:.0f} ms"
        )
        if result["failed"]:
            ok = False
            first = result["failed"][0]
            print(f"    {len(result['failed'])} photos not completed, first: {first.get('status')}")
    print(verdict_line(ok, "capacity: every photo sent in the loops completed"))
    return ok


def report_latency(title: str, result: dict, bar: float) -> bool:
    records = result["records"]
    done = [record for record in records if "ready" in record]
    refused = [record for record in records if record.get("status") != 202]
    print(f"  {title}")
    if refused:
        print(f"    {len(refused)} uploads refused, first: {refused[0].get('status')}")
    if len(done) < len(records):
        print(f"    only {len(done)} / {len(records)} desktops saw photo_ready")
    if not done:
        print(verdict_line(False, f"p95 from the 202 < {bar} s"))
        return False
    start = min(record["due"] for record in records)
    start_wall = min(record["start_wall"] for record in records)
    from_202 = [record["ready"] - record["accepted"] for record in done]
    row("202 -> photo_ready (the bar)", from_202)
    row("due -> photo_ready", [record["ready"] - record["due"] for record in done])
    row("request start -> 202", [record["accepted"] - record["start"] for record in records])
    if all(record.get("started_wall") for record in done):
        print("    where the time went (RQ's own timestamps, seconds after the first was due):")
        row("202 at the phone", [record["accepted_wall"] - start_wall for record in done])
        row("job started", [record["started_wall"] - start_wall for record in done])
        row("photo_ready at the desktop", [record["ready"] - start for record in done])
        row(
            "queue wait (enqueued -> started)",
            [record["started_wall"] - record["enqueued_wall"] for record in done],
        )
        row(
            "job run (started -> ended)",
            [record["ended_wall"] - record["started_wall"] for record in done],
        )
        row(
            "job ended -> photo_ready read",
            [record["ready_wall"] - record["ended_wall"] for record in done],
        )
        print(f"    jobs ran on {len({record['worker'] for record in done})} media worker(s)")
    cpu = result["cpu"]
    n = len(records)
    print(
        "    CPU meanwhile: "
        + ", ".join(
            f"{group} {seconds:.1f} s ({seconds * 1000 / n:.0f} ms/photo)"
            for group, seconds in cpu.items()
        )
    )
    p95 = percentile(from_202, 0.95)
    passed = len(done) == n and not refused and p95 < bar
    print(verdict_line(passed, f"p95 from the 202 < {bar} s ({p95:.2f} s), every desktop told"))
    return passed
