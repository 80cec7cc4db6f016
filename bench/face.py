"""Face verification: our engine against insightface's default FaceAnalysis.get, in one run.

    .venv/bin/python -m bench.face [--repeat 30]

One verification = decode the capture's bytes, detect, embed, cosine against a cached base
embedding (yaoming.jpg). Two captures, both real photos from the wheels:

- single: yaoming.jpg centred on a 640x480 grey canvas (a webcam-sized capture, one face)
- group:  insightface's t1.jpg (1280x886, six people)

Variants, each in its own subprocess so its peak RSS (ru_maxrss) is its own:

- ours:       server.adapters.faces.FaceEngine.analyse, then cosine, as a face check does
              (quality checks first; a group photo stops at multiple_faces without embedding anyone)
- ours640:    the same engine detecting at 640x640 (FACE_DET_SIZE=640) instead of 320x320
- anchor:     insightface.app.FaceAnalysis built offline from the same two vectron models,
              prepare(ctx_id=-1) with its default det sizes (128 and 640), .get() then cosine
              against the largest face -- the anchor named in issue 4
- anchor640:  the same with det_size=(640, 640), for reference (one detector pass like ours)

All use the CPU provider with the same session options (2 intra-op threads, no spinning), so
the comparison is the pipeline, not the thread pool. Wall and CPU time (process_time: every
thread) are medians over the repeats after 3 warm-up runs. Issue 4's bars: ours <= 0.7x the
anchor on the single face and <= 0.35x on the group.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("ours", "ours640", "anchor", "anchor640")
BARS = {"single": 0.7, "group": 0.35}


def captures() -> dict[str, bytes]:
    import importlib.util

    from PIL import Image

    from server.adapters import faces

    yao = Image.open(faces.default_model_dir() / "yaoming.jpg").convert("RGB")
    canvas = Image.new("RGB", (640, 480), (120, 120, 120))
    yao = yao.resize((int(yao.width * 400 / yao.height), 400), Image.LANCZOS)
    canvas.paste(yao, ((640 - yao.width) // 2, 40))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    spec = importlib.util.find_spec("insightface")
    t1 = Path(spec.origin).parent / "data" / "images" / "t1.jpg"
    return {"single": buffer.getvalue(), "group": t1.read_bytes()}


def build(variant: str):
    """A verify(capture_bytes) -> (status, score) function for the variant."""
    import numpy as np

    from server.adapters import faces

    base = faces.engine().analyse((faces.default_model_dir() / "yaoming.jpg").read_bytes())
    base_embedding = base.embedding

    def ours(engine: faces.FaceEngine):
        """What a face check does (server.domain.faces.checks): analyse, then cosine."""

        def verify(data: bytes):
            analysis = engine.analyse(data)
            if analysis.embedding is None:
                return ("failed", analysis.reason)
            return ("compared", faces.similarity(analysis.embedding, base_embedding))

        return verify

    if variant == "ours":
        return ours(faces.warm_up())
    if variant == "ours640":
        engine = faces.FaceEngine(det_size=(640, 640))
        engine.warm_up()
        return ours(engine)

    import cv2
    from insightface.app import FaceAnalysis

    folder = Path(tempfile.mkdtemp(prefix="face-bench-"))
    for name in (faces.DETECTOR_FILE, faces.RECOGNISER_FILE):
        (folder / name).symlink_to(faces.default_model_dir() / name)
    app = FaceAnalysis(
        name=str(folder),
        providers=["CPUExecutionProvider"],
        sess_options=faces.session_options(),
    )
    app.prepare(ctx_id=-1, det_size=(640, 640) if variant == "anchor640" else None)

    def verify(data: bytes):
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        found = app.get(bgr)
        if not found:
            return ("failed", None)
        face = max(found, key=lambda f: (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]))
        return ("compared", faces.similarity(face.normed_embedding, base_embedding))

    return verify


def measure(variant: str, repeat: int) -> dict:
    verify = build(variant)
    results = {}
    for name, data in captures().items():
        for _ in range(3):
            outcome = verify(data)
        walls, cpus = [], []
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            verify(data)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        results[name] = {
            "wall_ms": 1000 * statistics.median(walls),
            "cpu_ms": 1000 * statistics.median(cpus),
            "outcome": repr(outcome),
        }
    results["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant, args.repeat)))
        return

    env = dict(os.environ, PYTHONWARNINGS="ignore")
    figures = {}
    for variant in VARIANTS:
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.face",
                "--variant",
                variant,
                "--repeat",
                str(args.repeat),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures[variant] = json.loads(output.strip().splitlines()[-1])

    print(f"cpus={os.cpu_count()} repeat={args.repeat} (median ms per verification)")
    print(f"{'capture':8} {'variant':10} {'wall ms':>8} {'cpu ms':>8} {'x anchor':>9}  outcome")
    for capture in ("single", "group"):
        anchor = figures["anchor"][capture]["wall_ms"]
        for variant in VARIANTS:
            row = figures[variant][capture]
            print(
                f"{capture:8} {variant:10} {row['wall_ms']:8.1f} {row['cpu_ms']:8.1f} "
                f"{row['wall_ms'] / anchor:9.2f}  {row['outcome']}"
            )
        ratio = figures["ours"][capture]["wall_ms"] / anchor
        verdict = "meets" if ratio <= BARS[capture] else "MISSES"
        print(f"  bar: ours <= {BARS[capture]}x anchor: {ratio:.2f}x {verdict}")
    print("peak RSS MB: " + ", ".join(f"{v} {figures[v]['rss_mb']:.0f}" for v in VARIANTS))


if __name__ == "__main__":
    main()
