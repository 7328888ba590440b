"""My tree's parts that need no server: the gallery's days in the farm's time zone, inside the claim."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dashboard.customer.claims import ClaimState, TreeClaim
from dashboard.customer.sections import gallery_windows
from orchard.registry.access import Window

SHANGHAI = ZoneInfo("Asia/Shanghai")


def claim(start: datetime, end: datetime, tz: str = "Asia/Shanghai") -> TreeClaim:
    return TreeClaim(claim_id=1, tree_id=17, tree_label="17", variety="Fuji", planted_on=None, farm_id="hill",
                     farm_name="Hillside", location=None, timezone=tz, cameras=("cam-17",), starts_at=start,
                     ends_at=end, state=ClaimState.IN_FORCE, days_left=3, days_until_start=None,
                     window=Window(start, end))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_gallery_days_are_farm_middays_inside_the_claim():
    now = local(2026, 5, 10, 16, 0)
    start = local(2026, 5, 7, 12, 30)  # began after midday on the 7th: that day's window is cut
    spans = gallery_windows(claim(start, now + timedelta(days=30)), now)
    as_local = [(datetime.fromtimestamp(a / 1000, SHANGHAI), datetime.fromtimestamp(b / 1000, SHANGHAI))
                for a, b in spans]
    assert as_local == [(local(2026, 5, 7, 12, 30), local(2026, 5, 7, 14)),
                        (local(2026, 5, 8, 11), local(2026, 5, 8, 14)),
                        (local(2026, 5, 9, 11), local(2026, 5, 9, 14)),
                        (local(2026, 5, 10, 11), local(2026, 5, 10, 14))]


def test_gallery_days_stop_at_now_and_at_the_claims_end():
    now = local(2026, 5, 10, 12, 0)
    spans = gallery_windows(claim(local(2026, 5, 1), local(2026, 5, 9, 13)), now)
    ends = [datetime.fromtimestamp(b / 1000, SHANGHAI) for _, b in spans]
    assert max(ends) == local(2026, 5, 9, 13) and len(spans) == 7  # 3rd..9th: eight days back from the 10th
    today = gallery_windows(claim(local(2026, 5, 1), local(2026, 6, 1)), now)[-1]
    assert datetime.fromtimestamp(today[1] / 1000, SHANGHAI) == now  # not a picture from the future


def test_midday_is_the_farms_not_utcs():
    now = datetime(2026, 5, 10, 18, 0, tzinfo=UTC)  # 13:00 in Lima, 02:00 tomorrow in Shanghai
    spans = gallery_windows(claim(now - timedelta(days=30), now + timedelta(days=30), tz="America/Lima"), now)
    first = datetime.fromtimestamp(spans[-1][0] / 1000, ZoneInfo("America/Lima"))
    assert (first.hour, first.date().day) == (11, 10)
