"""One time parser: the same text gets the same answer, and the same words when refused, from every service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchard.errors import Invalid
from orchard.times import from_ms, iso_ms, parse_instant, time_range, to_ms
from tests.api.conftest import api  # noqa: F401  (fixture)
from tests.orchard.registry.conftest import sqlite_template  # noqa: F401  (fixture)
from tests.streams.conftest import CAMERA, relay, start_relay  # noqa: F401  (fixtures)

BAD = {
    "negative": {"start": "-1000"},
    "words": {"start": "yesterday"},
    "arabic-indic digits": {"start": "١٧٨٠٠٠٠٠٠٠٠٠٠"},
    "full-width digits": {"end": "１７８０００００００００００"},
    "beyond 64 bits": {"start": "99999999999999999999"},
    "a 4300-digit number": {"start": "9" * 4300},
    "before 1970": {"start": "1969-12-31T23:59:59Z"},
    "year 9999": {"start": "9999-12-31T23:59:59"},
    "ISO in other digits": {"start": "٢٠٢٥-٠١-٠١"},
    "no such day, with zone": {"start": "2026-02-30T08:00:00+08:00"},
    "no such day, no zone": {"end": "2026-02-30T08:00:00"},
    "end before start": {"start": "2026-06-02T00:00:00Z", "end": "2026-06-01T00:00:00+08:00"},
}
GOOD = {
    "epoch ms": {"start": "1780000000000", "end": "1780000600000"},
    "ISO with zone": {"start": "2026-05-29T04:26:40+08:00", "end": "2026-05-29T06:00:00+08:00"},
    "ISO without zone": {"start": "2026-05-28T20:26:40", "end": "2026-05-28T21:00:00"},
    "ISO, unescaped +": {"start": "2026-05-29T04:26:40 08:00"},
    "start equals end": {"start": "1780000000000", "end": "2026-05-28T20:26:40Z"},
    "blank is the default": {"start": " ", "end": ""},
}


@pytest.mark.parametrize("params", list(BAD.values()) + list(GOOD.values()), ids=list(BAD) + list(GOOD))
def test_api_and_relay_give_the_same_answer_and_words(api, relay, params):  # noqa: F811
    readings = api.client("admin").get(f"/api/trees/{api.world.trees['17']}/readings", params=params)
    snapshots = relay.get(f"/cameras/{CAMERA}/snapshots", relay.token(), params=params)
    assert readings.status_code == snapshots.status_code == (422 if params in BAD.values() else 200), (
        readings.text, snapshots.text)
    if readings.status_code == 422:
        assert readings.json() == snapshots.json()
        assert readings.json()["detail"].startswith(("start:", "end:"))


@pytest.mark.parametrize("text, expected", [
    ("1780000000000", datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)),
    ("0", datetime(1970, 1, 1, tzinfo=UTC)),
    ("2026-05-29T04:26:40+08:00", datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)),
    ("2026-05-29T04:26:40 08:00", datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)),
    ("2026-05-28", datetime(2026, 5, 28, tzinfo=UTC)),
    ("  ", None),
    (None, None),
])
def test_instants(text, expected):
    assert parse_instant(text, "start") == expected


@pytest.mark.parametrize("text, words", [
    ("-1", "outside the years 1970 to 9998"),
    ("253370764800000", "outside the years 1970 to 9998"),  # 9999-01-01
    ("9999-12-31T23:59:59", "outside the years 1970 to 9998"),
    ("1e12", "is not a time"),
    ("١٢٣", "is not a time"),
])
def test_refusals_name_the_parameter(text, words):
    with pytest.raises(Invalid, match=f"^end: .*{words}"):
        parse_instant(text, "end")


def test_milliseconds_are_exact_both_ways():
    for ms in (0, 1, 1_780_000_000_123, 253_370_764_799_999):
        assert to_ms(from_ms(ms)) == ms
    assert iso_ms(1_780_000_000_123) == "2026-05-28T20:26:40.123Z"


def test_a_range_defaults_to_a_span_up_to_now_and_refuses_start_after_end():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert time_range(None, None, timedelta(days=7), now=now) == (now - timedelta(days=7), now)
    assert time_range(None, "1000", timedelta(days=1))[0] == from_ms(0)  # never before 1970
    with pytest.raises(Invalid, match="^start: must not be after end$"):
        time_range("2000", "1000", timedelta(days=1))
