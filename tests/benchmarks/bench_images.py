"""Pictures: time and peak memory to show a 20-megapixel photo (studyapp.images.load_image).

Each figure comes from a fresh child process (its peak RSS is its own): the baseline
child imports Pillow and studyapp.images and opens the file's header; the others
decode it to the screen's size. The difference is what one picture costs.

    .venv/bin/python tests/benchmarks/bench_images.py [--width 5472 --height 3648]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import resource, sys, time
from pathlib import Path
from studyapp import images
from PIL import Image
path = Path(sys.argv[1])
with Image.open(path) as header:
    header.size
t = time.perf_counter()
if sys.argv[2] == "decode":
    picture = images.load_image(path)
    again = images.load_image(path)
    assert again is picture and max(picture.size) <= images.DECODED_SIDE
print(time.perf_counter() - t)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


MAKE_PHOTO = """
import sys
from PIL import Image
width, height, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
# Noise, so that the file is as large as a real photo's and nothing compresses away.
image = Image.effect_noise((width // 8, height // 8), 64).convert("RGB").resize((width, height))
image.save(path, quality=85) if path.endswith(".jpg") else image.save(path)
"""


def photo(folder: Path, width: int, height: int, form: str) -> Path:
    # Made in a child of its own: Linux keeps a process's peak RSS across fork and
    # exec, so a parent that held the photo would inflate every child's figure.
    path = folder / f"photo.{form}"
    subprocess.run(
        [sys.executable, "-c", MAKE_PHOTO, str(width), str(height), str(path)], check=True
    )
    return path


def child(path: Path, mode: str) -> tuple[float, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    seconds, rss_kb = done.stdout.split()
    return float(seconds), int(rss_kb) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=5472)
    parser.add_argument("--height", type=int, default=3648)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for form in ("jpg", "png"):
            path = photo(Path(folder), args.width, args.height, form)
            _, base_mb = child(path, "header")
            t = time.perf_counter()
            seconds, peak_mb = child(path, "decode")
            results[form] = {
                "megapixels": round(args.width * args.height / 1e6, 1),
                "file_mb": round(path.stat().st_size / 2**20, 1),
                "decode_s": round(seconds, 3),
                "child_s": round(time.perf_counter() - t, 3),
                "peak_rss_mb": round(peak_mb, 1),
                "over_baseline_mb": round(peak_mb - base_mb, 1),
            }
    if args.json:
        print(json.dumps(results))
    else:
        for form, figures in results.items():
            print(form, " ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
