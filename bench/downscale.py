"""Photo downscale: our worker's resize against pyvips' thumbnail (the anchor), in one run.

    .venv/bin/python -m bench.downscale [--repeat 5]

Makes a 12 MP JPEG stored with EXIF orientation 6 and a 48 MP JPEG (both with GPS), then
downscales each to a 1600 px long edge, JPEG quality 85, metadata stripped, three ways:

- ours:   server.domain.photos.downscale_jpeg (Image.draft DCT scaling, then bilinear)
- pyvips: pyvips.Image.thumbnail_buffer (shrink-on-load, auto-rotate), cache off
- naive:  Pillow open, exif_transpose, full-size decode, resize

Each variant runs in its own subprocess so its peak RSS (VmHWM, the whole process with its
interpreter and the input bytes) is its own.
Wall and CPU time (process_time: every thread) are medians over the repeats, after a warm-up.
Bars (issue 4, on the 2-core machine): wall <= 1.2x pyvips on both sizes, CPU <= pyvips',
peak RSS < 150 MB for the 48 MP photo.
Needs libvips (Debian libvips42) and `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LONG_EDGE = 1600
QUALITY = 85
WALL_BAR = 1.2
PEAK_BAR_MB = 150.0
SIZES = {"12MP": (4000, 3000, 6), "48MP": (8000, 6000, 1)}
VARIANTS = ("ours", "pyvips", "naive")


def make_photos(folder: Path) -> dict[str, Path]:
    """Generated in a subprocess, so this process stays small for the children it starts."""
    subprocess.run(
        [sys.executable, "-m", "bench.downscale", "--make-photos", str(folder)],
        cwd=ROOT,
        check=True,
    )
    return {name: folder / f"{name}.jpg" for name in SIZES}


def write_photos(folder: Path) -> None:
    from tests.photos import camera_jpeg

    for name, (width, height, orientation) in SIZES.items():
        (folder / f"{name}.jpg").write_bytes(camera_jpeg(width, height, orientation=orientation))


def variant_function(name: str):
    if name == "ours":
        from server.domain.photos import downscale_jpeg

        return lambda data: downscale_jpeg(data, LONG_EDGE)
    if name == "pyvips":
        import pyvips

        pyvips.cache_set_max(0)  # no help from repeating the same call
        return lambda data: pyvips.Image.thumbnail_buffer(data, LONG_EDGE).write_to_buffer(
            f".jpg[Q={QUALITY},strip]"
        )
    if name == "naive":
        from PIL import Image, ImageOps

        def naive(data: bytes) -> bytes:
            image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
            scale = LONG_EDGE / max(image.size)
            image = image.resize(
                (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
            )
            out = io.BytesIO()
            image.save(out, "JPEG", quality=QUALITY)
            return out.getvalue()

        return naive
    raise ValueError(name)


def child(name: str, path: str, repeat: int) -> None:
    """One variant on one photo: prints a JSON line with median wall/CPU and peak RSS."""
    function = variant_function(name)
    data = Path(path).read_bytes()
    output = function(data)  # warm-up: imports, first-use allocations
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        output = function(data)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    from PIL import Image

    size = Image.open(io.BytesIO(output)).size
    print(
        json.dumps(
            {
                "wall_ms": statistics.median(walls) * 1000,
                "cpu_ms": statistics.median(cpus) * 1000,
                "peak_mb": peak_rss_mb(),
                "output": size,
                "bytes": len(output),
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux's ru_maxrss survives exec (a child starts with its
    parent's peak), so VmHWM, which starts afresh with the new program, is read first."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(name: str, path: Path, repeat: int) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.downscale",
            "--child",
            name,
            str(path),
            "--repeat",
            str(repeat),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--make-photos", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_photos:
        write_photos(Path(args.make_photos))
        return 0
    if args.child:
        child(args.child[0], args.child[1], args.repeat)
        return 0

    ok = True
    with tempfile.TemporaryDirectory(prefix="examcloud-bench-") as folder:
        photos = make_photos(Path(folder))
        print(
            f"downscale to {LONG_EDGE} px, JPEG Q{QUALITY}, median of {args.repeat} after a warm-up"
        )
        print(
            f"{'photo':<14}{'variant':<8}{'wall ms':>9}{'cpu ms':>9}{'peak MB':>9}"
            f"{'wall/vips':>11}{'cpu/vips':>10}  output"
        )
        for size_name, path in photos.items():
            width, height, orientation = SIZES[size_name]
            label = f"{size_name} o{orientation}"
            results = {name: run_child(name, path, args.repeat) for name in VARIANTS}
            anchor = results["pyvips"]
            for name in VARIANTS:
                r = results[name]
                print(
                    f"{label:<14}{name:<8}{r['wall_ms']:>9.1f}{r['cpu_ms']:>9.1f}{r['peak_mb']:>9.1f}"
                    f"{r['wall_ms'] / anchor['wall_ms']:>10.2f}x"
                    f"{r['cpu_ms'] / anchor['cpu_ms']:>9.2f}x"
                    f"  {r['output'][0]}x{r['output'][1]}"
                )
            ours = results["ours"]
            checks = [
                (
                    f"{size_name} wall <= {WALL_BAR}x pyvips",
                    ours["wall_ms"] <= WALL_BAR * anchor["wall_ms"],
                ),
                (f"{size_name} cpu <= pyvips", ours["cpu_ms"] <= anchor["cpu_ms"]),
                (
                    f"{size_name} output matches pyvips' size",
                    tuple(ours["output"]) == tuple(anchor["output"]),
                ),
            ]
            if size_name == "48MP":
                checks.append((f"48MP peak < {PEAK_BAR_MB:.0f} MB", ours["peak_mb"] < PEAK_BAR_MB))
            for text, passed in checks:
                ok &= passed
                print(f"  {'PASS' if passed else 'FAIL'}  {text}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
