"""Simulated camera frames: drawing and encoding a 1280x720 frame, against encoding alone.

    .venv/bin/python -m bench.frames

The simulator draws a frame per snapshot (and 2 a second per live camera); this prints the
per-frame time of draw + JPEG encode, the baseline of encoding an already drawn frame in the
same run, and their ratio (the drawing's share of the cost). Target: draw + encode under
100 ms a frame, so one core keeps a dozen live cameras going.
"""

from __future__ import annotations

import argparse
import time

from devices.camera import encode_jpeg
from devices.frames import SyntheticSource


def per_frame(work, frames: int) -> float:
    started = time.perf_counter()
    for _ in range(frames):
        work()
    return (time.perf_counter() - started) / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    args = parser.parse_args()
    source = SyntheticSource("cam-01", 5)
    drawn = source.grab()  # the scene's fixed layers are drawn once
    encode_only = per_frame(lambda: encode_jpeg(drawn, 1280, 720, 80), args.frames)
    draw_and_encode = per_frame(lambda: encode_jpeg(source.grab(), 1280, 720, 80), args.frames)
    print(f"encode only (baseline): {encode_only * 1000:.1f} ms/frame")
    print(f"draw + encode:          {draw_and_encode * 1000:.1f} ms/frame  "
          f"(x{draw_and_encode / encode_only:.2f} of the baseline; target < 100 ms)")


if __name__ == "__main__":
    main()
