"""Parts (1) QR endpoint throughput and (2) render cost per code (issue 5)."""

from __future__ import annotations

import asyncio
import statistics
import time

from bench.http_client import Connection, Pool
from bench.phone.common import count_pairings, cpu_seconds, verdict_line
from server.domain.companion import PairingPurpose

REUSE_BAR = 0.7
FRESH_BAR = 0.2


async def closed_loop(
    port: int,
    next_request,
    concurrency: int,
    seconds: float,
    on_answer=None,
    pids: dict[str, list[int]] | None = None,
) -> dict:
    """`concurrency` connections back to back for `seconds`; next_request(i) -> request args or
    None (that connection has no more work). Answers other than 200 are counted as errors.
    With `pids`, the CPU seconds each group of processes spent meanwhile."""
    pids = pids or {}
    cpu_before = {name: cpu_seconds(group) for name, group in pids.items()}
    deadline = time.perf_counter() + seconds
    done = errors = exhausted = 0
    first_error = None

    async def client(index: int) -> None:
        nonlocal done, errors, exhausted, first_error
        pool = Pool("127.0.0.1", port)
        while time.perf_counter() < deadline:
            request = next_request(index)
            if request is None:
                exhausted += 1
                return
            status, body = await pool.request(*request)
            if status == 200:
                done += 1
                if on_answer is not None:
                    on_answer(index, body)
            else:
                errors += 1
                first_error = first_error or (status, body)

    started = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu = {name: cpu_seconds(group) - cpu_before[name] for name, group in pids.items()}
    return {
        "rate": done / elapsed,
        "done": done,
        "errors": errors,
        "first_error": first_error,
        "exhausted": exhausted,
        "cpu_ms": {name: used * 1000 / max(done, 1) for name, used in cpu.items()},
    }


async def qr_throughput(
    port: int,
    sessions: list[tuple[str, int]],
    questions: int,
    concurrency: int,
    seconds: float,
    rounds: int,
    warmup: float,
    engine,
    pids: dict[str, list[int]],
) -> dict:
    """`rounds` rounds of /healthz, re-request and fresh, `seconds` each, back to back: load
    from elsewhere on the machine drifts over a run, and interleaving lets each ratio be taken
    within one round."""

    def health_request(index: int):
        return "GET", "/healthz"

    # (a) re-requests: candidate i asks for question 1's answer-photo code again and again.
    def reuse_request(index: int):
        token, attempt_id = sessions[index]
        body = {"purpose": PairingPurpose.ANSWER_PHOTO}
        return "POST", f"/api/v1/attempts/{attempt_id}/questions/1/qrcode", body, token

    # (b) fresh codes: connection i takes candidates i, i + C, ...; questions outermost, then
    # the purposes, then its candidates. Question 1's answer-photo codes exist already (a).
    def slots(index: int):
        mine = sessions[index::concurrency]
        for n in range(1, questions + 1):
            for purpose in PairingPurpose:
                if n == 1 and purpose == PairingPurpose.ANSWER_PHOTO:
                    continue
                for token, attempt_id in mine:
                    yield (
                        "POST",
                        f"/api/v1/attempts/{attempt_id}/questions/{n}/qrcode",
                        {"purpose": purpose},
                        token,
                    )

    iterators = [slots(index) for index in range(concurrency)]

    def fresh_request(index: int):
        return next(iterators[index], None)

    first_scenes: dict[int, str] = {}
    for index in range(concurrency):
        status, body = await Connection("127.0.0.1", port).request(*reuse_request(index))
        assert status == 200, body
        first_scenes[index] = body["scene"]
    scenes_seen: dict[int, set] = {index: set() for index in range(concurrency)}
    fresh_scenes: list[str] = []
    variants = {
        "health": (health_request, None),
        "reuse": (reuse_request, lambda index, body: scenes_seen[index].add(body["scene"])),
        "fresh": (fresh_request, lambda index, body: fresh_scenes.append(body["scene"])),
    }
    for request, _ in variants.values():
        await closed_loop(port, request, concurrency, warmup)
    fresh_scenes.clear()
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (request, on_answer) in variants.items():
            rows_before = count_pairings(engine)
            result = await closed_loop(port, request, concurrency, seconds, on_answer, pids)
            result["rows_added"] = count_pairings(engine) - rows_before
            runs[name].append(result)
    figures: dict = {"rounds": rounds}
    for name, results in runs.items():
        done = sum(result["done"] for result in results)
        figures[name] = {
            "rates": [result["rate"] for result in results],
            "done": done,
            "errors": sum(result["errors"] for result in results),
            "first_error": next(
                (result["first_error"] for result in results if result["first_error"]), None
            ),
            "exhausted": sum(result["exhausted"] for result in results),
            "rows_added": sum(result["rows_added"] for result in results),
            "cpu_ms": {
                group: sum(result["cpu_ms"][group] * result["done"] for result in results)
                / max(done, 1)
                for group in pids
            },
        }
        if name != "health":
            figures[name]["ratios"] = [
                result["rate"] / health["rate"]
                for result, health in zip(results, runs["health"], strict=True)
            ]
            figures[name]["ratio"] = statistics.median(figures[name]["ratios"])
    figures["reuse"]["same_scene"] = all(
        seen == {first_scenes[index]} for index, seen in scenes_seen.items() if seen
    )
    figures["fresh"]["distinct_scenes"] = len(set(fresh_scenes))
    return figures


def report_throughput(figures: dict, concurrency: int, seconds: float) -> bool:
    health, reuse, fresh = figures["health"], figures["reuse"], figures["fresh"]
    print(
        f"(1) QR endpoint, closed loop, {concurrency} connections; "
        f"{figures['rounds']} rounds of /healthz, re-request and fresh code, {seconds:g} s each; "
        f"the ratio is each round's, the median shown"
    )

    def rates(part: dict) -> str:
        return " ".join(f"{rate:.0f}" for rate in part["rates"])

    print(f"  /healthz          req/s by round: {rates(health)}")
    print(
        f"  (a) re-request    req/s by round: {rates(reuse)}   ratio {reuse['ratio']:.2f} "
        f"({min(reuse['ratios']):.2f}-{max(reuse['ratios']):.2f})"
    )
    print(
        f"      {reuse['done']} answers, {reuse['errors']} errors, "
        f"the same scene every time: {reuse['same_scene']}, "
        f"pairing rows added {reuse['rows_added']}"
    )
    print(
        f"  (b) fresh code    req/s by round: {rates(fresh)}   ratio {fresh['ratio']:.2f} "
        f"({min(fresh['ratios']):.2f}-{max(fresh['ratios']):.2f})"
    )
    print(
        f"      {fresh['done']} answers, {fresh['errors']} errors, "
        f"{fresh['rows_added']} new pairing rows, "
        f"{fresh['distinct_scenes']} distinct scenes"
        + (
            f", {fresh['exhausted']} connections ran out of fresh slots"
            if fresh["exhausted"]
            else ""
        )
    )
    print(
        "  CPU per answer, ms: "
        + "; ".join(
            f"{name}: " + ", ".join(f"{group} {ms:.2f}" for group, ms in part["cpu_ms"].items())
            for name, part in (("/healthz", health), ("re-request", reuse), ("fresh", fresh))
        )
    )
    for name, part in (("re-request", reuse), ("fresh", fresh)):
        if part["first_error"]:
            print(f"  first {name} error: {part['first_error']}")
    reuse_ok = (
        reuse["ratio"] >= REUSE_BAR
        and reuse["errors"] == 0
        and reuse["same_scene"]
        and reuse["rows_added"] == 0
    )
    fresh_ok = (
        fresh["ratio"] >= FRESH_BAR
        and fresh["errors"] == 0
        and fresh["exhausted"] == 0
        and fresh["rows_added"] == fresh["done"] == fresh["distinct_scenes"]
    )
    print(
        verdict_line(
            reuse_ok, f"re-request >= {REUSE_BAR} of /healthz, 0 errors, the same code, no new row"
        )
    )
    print(
        verdict_line(
            fresh_ok, f"fresh code >= {FRESH_BAR} of /healthz, 0 errors, one new row per answer"
        )
    )
    return reuse_ok and fresh_ok


def render_cost() -> bool:
    from bench.qr_render import BAR, VARIANTS, measure_render

    result = measure_render()
    anchor = result["default"]["wall_ms"]
    print(
        f"(2) QR render, {result['n']} distinct codes x {result['rounds']} rounds, median per code"
    )
    for name in VARIANTS:
        r = result[name]
        print(
            f"  {name:<9} {r['wall_ms']:6.2f} ms wall  {r['cpu_ms']:6.2f} ms CPU  "
            f"{r['wall_ms'] / anchor:5.2f}x default  {r['png_bytes']:6d} bytes"
        )
    passed = result["ratio_default"] <= BAR
    print(
        f"  ours/default {result['ratio_default']:.2f}x (CPU {result['cpu_ratio_default']:.2f}x), "
        f"ours/segno {result['ratio_segno']:.2f}x"
    )
    print(verdict_line(passed, f"ours <= {BAR}x qrcode's default per code"))
    return passed
