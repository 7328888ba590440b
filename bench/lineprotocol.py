"""Line protocol encoding: our LineEncoder against influxdb-client's Point, on the same readings.

    .venv/bin/pip install influxdb-client   # only for this comparison; Orchard Live does not use it
    .venv/bin/python -m bench.lineprotocol

Prints each encoder's best of three over 100,000 readings (10 readings a message, as a
batch from one device) and the ratio, and what Point makes of a NaN and of a tag value
ending in a backslash.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from orchard.readings import Reading
from orchard.store.lineprotocol import LineEncoder

METRICS = ("air_temp_c", "soil_moisture_pct", "battery_v")


def make_readings(count: int) -> list[Reading]:
    tags = [{"farm": "hill", "device": f"node-{i % 50:02d}", "tree": str(i % 300)} for i in range(count // 10 + 1)]
    return [Reading(METRICS[i % 3], 20.0 + i % 7 * 0.5, 1_790_000_000_000 + i, tags[i // 10]) for i in range(count)]


def best_of(runs: int, encode: Callable[[], list[str]]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        encode()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=100_000)
    args = parser.parse_args()
    try:
        from influxdb_client import Point, WritePrecision
    except ImportError:
        raise SystemExit("influxdb-client is not installed: .venv/bin/pip install influxdb-client") from None
    readings = make_readings(args.readings)

    def ours() -> list[str]:
        return LineEncoder().encode(readings)

    def theirs() -> list[str]:
        lines = []
        for r in readings:
            point = Point("readings").tag("metric", r.metric).field("value", float(r.value))
            for key, value in r.tags.items():
                point = point.tag(key, value)
            lines.append(point.time(r.ts_ms, WritePrecision.MS).to_line_protocol())
        return lines

    baseline, ours_s = best_of(3, theirs), best_of(3, ours)
    print(f"influxdb-client Point: {baseline * 1000:,.0f} ms for {args.readings:,} readings (baseline)")
    print(f"orchard LineEncoder:   {ours_s * 1000:,.0f} ms, {baseline / ours_s:.1f}x faster")
    print(f"Point with NaN:                {Point('readings').field('value', float('nan')).to_line_protocol()!r}")
    mangled = Point("readings").tag("tree", "a" + chr(92)).field("value", 1.0).to_line_protocol()
    print(f"Point with a tag ending in \\: {mangled!r}")


if __name__ == "__main__":
    main()
