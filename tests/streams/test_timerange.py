import pytest

from orchard.errors import Invalid
from streams.timerange import instant_ms, iso, time_range


@pytest.mark.parametrize("text, ms", [
    ("1780000000000", 1_780_000_000_000),
    ("2026-05-28T20:26:40Z", 1_780_000_000_000),
    ("2026-05-29T04:26:40+08:00", 1_780_000_000_000),
    ("2026-05-29T04:26:40 08:00", 1_780_000_000_000),  # "+" unescaped in a query string
    ("2026-05-28T20:26:40", 1_780_000_000_000),  # no zone: UTC
    ("2026-05-28", 1_779_926_400_000),
])
def test_instants(text, ms):
    assert instant_ms(text, "start") == ms


def test_bad_instants_and_ranges():
    with pytest.raises(Invalid, match="^start: "):
        instant_ms("last tuesday", "start")
    with pytest.raises(Invalid, match="after"):
        time_range("2000", "1000")


def test_default_range_is_the_last_day():
    start, end = time_range(None, "1780000000000")
    assert end - start == 86_400_000


def test_iso_is_utc_with_milliseconds():
    assert iso(1_780_000_000_123) == "2026-05-28T20:26:40.123Z"
