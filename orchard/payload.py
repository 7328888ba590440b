"""Telemetry payload decoding (docs/ARCHITECTURE.md): three accepted shapes, every value checked."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from orchard.errors import PayloadError
from orchard.vocabulary import check_value

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_BATCH = 10_000
# Readings before 2000 come from a Pi that booted without a clock; they would be
# charted decades off, so they are refused rather than stored.
MIN_TS_MS = 946_684_800_000
MAX_FUTURE_MS = 24 * 3600 * 1000


@dataclass(slots=True)
class Rejected:
    """One value that was refused, with a short reason code."""

    metric: str
    value: object
    reason: str


@dataclass(slots=True)
class Decoded:
    """Accepted (metric, value, ts_ms) triples and the values refused."""

    values: list[tuple[str, float, int]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def decode_telemetry(payload: bytes, now_ms: int) -> Decoded:
    """Decode one telemetry message; raise PayloadError if the message as a whole is unusable.

    Individual bad values (out of range, not finite, bad names) are returned in
    `rejected` while the good ones in the same message are kept.
    """
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError("too_large", f"{len(payload)} bytes, limit {MAX_PAYLOAD_BYTES}")
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise PayloadError("bad_json", str(exc)[:200]) from None
    decoded = Decoded()
    if isinstance(doc, list):
        if not doc:
            raise PayloadError("empty", "empty batch")
        if len(doc) > MAX_BATCH:
            raise PayloadError("too_large", f"{len(doc)} entries, limit {MAX_BATCH}")
        for entry in doc:
            if not isinstance(entry, dict) or "values" not in entry:
                raise PayloadError("bad_shape", "batch entries must be {\"ts\", \"values\"} objects")
            _decode_entry(entry, now_ms, decoded)
    elif isinstance(doc, dict):
        if "values" in doc:
            _decode_entry(doc, now_ms, decoded)
        else:
            _decode_values(doc, now_ms, decoded)
    else:
        raise PayloadError("bad_shape", f"expected an object or array, got {type(doc).__name__}")
    if not decoded.values and not decoded.rejected:
        raise PayloadError("empty", "no readings in message")
    return decoded


def _decode_entry(entry: dict, now_ms: int, decoded: Decoded) -> None:
    extra = entry.keys() - {"ts", "values"}
    if extra:
        raise PayloadError("bad_shape", f"unexpected keys {sorted(extra)[:5]}")
    values = entry["values"]
    if not isinstance(values, dict):
        raise PayloadError("bad_shape", "\"values\" must be an object of metric: number")
    ts = entry.get("ts", now_ms)
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise PayloadError("bad_timestamp", f"ts must be integer epoch milliseconds, got {ts!r:.40}")
    if ts < MIN_TS_MS or ts > now_ms + MAX_FUTURE_MS:
        raise PayloadError("bad_timestamp", f"ts {ts} is before 2000 or more than a day ahead")
    _decode_values(values, ts, decoded)


def _decode_values(values: dict, ts: int, decoded: Decoded) -> None:
    for metric, value in values.items():
        reason = check_value(metric, value)
        if reason is None:
            decoded.values.append((metric, float(value), ts))
        else:
            decoded.rejected.append(Rejected(metric[:80], value, reason))


def encode_batch(entries: list[tuple[int, dict[str, float]]]) -> bytes:
    """Encode (ts_ms, values) entries as a telemetry payload: one object, or an array for several."""
    docs = [{"ts": ts, "values": values} for ts, values in entries]
    return orjson.dumps(docs[0] if len(docs) == 1 else docs)
