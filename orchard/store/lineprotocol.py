"""InfluxDB's text formats: line protocol for writes, quoted names and strings for InfluxQL.

Schema: one measurement `readings`; its tags are the reading's tags plus `metric`; one
float field `value`. Every InfluxDB from 1.x to 3.x parses what is written here alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from orchard.errors import StoreRejected
from orchard.readings import Reading

MEASUREMENT = "readings"
FIELD = "value"
METRIC_TAG = "metric"
# `metric` is ours; InfluxDB 1.x refuses a `time` tag and 2.x the `_`-prefixed pair.
RESERVED_TAG_KEYS = frozenset({METRIC_TAG, "time", "_field", "_measurement"})

_ESCAPES = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ "})
# A backslash before a separator, another backslash or the end is read differently by
# InfluxDB 1.x and 2.x (or not at all), so such a tag could not come back unchanged.
_AMBIGUOUS = re.compile(r"\\(?:[\\, =]|$)")
_CACHE_LIMIT = 50_000


def check_tag(text: object, what: str) -> str:
    """Return `text` if InfluxDB can store it as a tag key or value unchanged, else raise StoreError."""
    if not isinstance(text, str) or not text:
        raise StoreRejected(f"{what} {text!r}: a tag must be a non-empty string")
    if "\n" in text or _AMBIGUOUS.search(text):
        raise StoreRejected(f"{what} {text!r}: InfluxDB cannot store a newline, or a backslash "
                         "before a comma, space, '=', backslash or the end, in a tag")
    return text


def escape_tag(text: str) -> str:
    """A tag key or value escaped for line protocol (commas, spaces, equals signs)."""
    return text.translate(_ESCAPES)


def quote_ident(name: str) -> str:
    """An InfluxQL identifier in double quotes."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def quote_string(text: str) -> str:
    """An InfluxQL string literal in single quotes."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def tag_conditions(tags: Mapping[str, str]) -> list[str]:
    """InfluxQL conditions `"key"::tag = 'value'`, one per tag (the cast keeps a tag named value apart)."""
    return [f"{quote_ident(key)}::tag = {quote_string(value)}" for key, value in sorted(tags.items())]


class LineEncoder:
    """Readings to line protocol, escaping each distinct tag set once.

    A line is `readings,<tags before metric>,metric=<m>,<tags after> value=<float> <ts>`,
    tags sorted by key as InfluxDB stores them, so the server need not sort them again.
    """

    def __init__(self) -> None:
        self._tag_sets: dict[tuple[tuple[str, str], ...], tuple[str, str]] = {}
        self._metrics: dict[str, str] = {}

    def encode(self, readings: Sequence[Reading]) -> list[str]:
        """One line per reading; StoreError names the first reading InfluxDB could not store."""
        # Readings of one message share a tags dict; it lives as long as `readings`, so id() is safe.
        by_id: dict[int, tuple[str, str]] = {}
        metrics = self._metrics
        lines: list[str] = []
        append = lines.append
        for reading in readings:
            tags = reading.tags
            halves = by_id.get(id(tags))
            if halves is None:
                halves = by_id[id(tags)] = self._halves(tags)
            metric = metrics.get(reading.metric)
            if metric is None:
                metric = self._metric(reading.metric)
            try:
                value = repr(float(reading.value))
                ts = int(reading.ts_ms)
            except (TypeError, ValueError, OverflowError):
                raise StoreRejected(f"{reading!r}: value and ts_ms must be numbers") from None
            if "n" in value:  # nan, inf, -inf: the only float reprs with an n
                raise StoreRejected(f"{reading.metric}={value}: InfluxDB stores only finite numbers")
            append(f"{halves[0]}{metric}{halves[1]}{value} {ts}")
        return lines

    def _metric(self, metric: str) -> str:
        escaped = escape_tag(check_tag(metric, "metric"))
        if len(self._metrics) < _CACHE_LIMIT:
            self._metrics[metric] = escaped
        return escaped

    def _halves(self, tags: Mapping[str, str]) -> tuple[str, str]:
        """The escaped line up to `metric=`, and from after the metric up to `value=`."""
        key = tuple(tags.items())
        try:
            halves = self._tag_sets.get(key)
        except TypeError:
            raise StoreRejected(f"tags {tags!r}: keys and values must be strings") from None
        if halves is not None:
            return halves
        before: list[str] = [MEASUREMENT]
        after: list[str] = []
        for name, value in sorted(key):
            if name in RESERVED_TAG_KEYS:
                raise StoreRejected(f"tag {name!r} is reserved in the InfluxDB schema; rename it")
            pair = f"{escape_tag(check_tag(name, 'tag key'))}={escape_tag(check_tag(value, f'tag {name!r}'))}"
            (before if name < METRIC_TAG else after).append(pair)
        halves = (",".join(before) + f",{METRIC_TAG}=", "".join("," + p for p in after) + f" {FIELD}=")
        if len(self._tag_sets) >= _CACHE_LIMIT:
            self._tag_sets.clear()
        self._tag_sets[key] = halves
        return halves
