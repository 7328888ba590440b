"""Pure parts of the dashboard: device health, times in the farm's zone, chart spans and zooms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard import chart_panel, timefmt
from dashboard.device_status import OFFLINE_AFTER_MS, STALE_AFTER_MS, Status, judge, parse_status
from dashboard.readings import Scope, Subject, merge
from orchard.auth.policy import ALL_TIME
from orchard.errors import PayloadError
from orchard.readings import Bucket

NOW = 1_796_000_000_000


@pytest.mark.parametrize("status, last_reading, state", [
    (Status("online", NOW), NOW - 60_000, "online"),
    (Status("online", NOW), NOW - STALE_AFTER_MS - 1, "stale"),  # says online, sends nothing
    (Status("online", NOW), None, "stale"),
    (Status("offline", NOW), NOW - 1_000, "offline"),  # its last will: offline whatever it sent before
    (None, NOW - 60_000, "online"),  # no status topic (an older agent): judged by its readings
    (None, NOW - STALE_AFTER_MS - 1, "stale"),
    (None, NOW - OFFLINE_AFTER_MS - 1, "offline"),
    (None, None, "unknown"),
])
def test_device_health(status, last_reading, state):
    assert judge(status, last_reading, NOW).state == state


def test_last_seen_is_the_devices_own_time_not_when_the_dashboard_started():
    retained = Status("offline", received_ms=NOW, sent_ms=None)
    assert judge(retained, NOW - 3_600_000, NOW).last_seen_ms == NOW - 3_600_000


def test_status_payloads():
    status = parse_status(b'{"state": "online", "ts": 1700000000000, "spooled": 12, "version": "0.3.1"}', NOW)
    assert (status.state, status.sent_ms, status.spooled, status.version) == ("online", 1700000000000, 12, "0.3.1")
    for bad in (b"nope", b"[]", b'{"state": "sleeping"}'):
        with pytest.raises(PayloadError):
            parse_status(bad, NOW)


def test_times_in_the_farms_zone_and_language():
    moment = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # 6 January, 07:30 in Shanghai
    assert timefmt.when(moment, "Asia/Shanghai", "zh-CN").endswith("1月6日 07:30")
    assert timefmt.when(moment, "Asia/Shanghai", "en").endswith("6 Jan 2026 07:30") or \
        timefmt.when(moment, "Asia/Shanghai", "en").endswith("6 Jan 07:30")
    assert timefmt.day(date(2026, 3, 1), "UTC", "zh-CN") == "2026年3月1日"
    assert timefmt.age(NOW - 125_000, NOW, "en") == "2 min ago"
    assert timefmt.age(NOW - 3 * 86_400_000, NOW, "zh-CN") == "3 天前"


def test_subjects_from_the_browser_are_parsed_strictly():
    assert Subject.parse("tree:17") == Subject("tree", "17")
    assert Subject.parse("device:hill-1") == Subject("device", "hill-1")
    for bad in ("tree:x", "tree:", "farm:hill", "tree:1;drop", None, 17, ["tree:1"], "plot:-1", "device:" + "a" * 65):
        assert Subject.parse(bad) is None, bad


def scope(tz: str = "Asia/Shanghai") -> Scope:
    return Scope(Subject("tree", "1"), "hill", tz, {"farm": "hill", "tree": "1"}, ALL_TIME)


def test_ranges():
    assert chart_panel.span(scope(), "6h", None, NOW) == (NOW - 6 * 3_600_000, NOW, True)
    start, end, live = chart_panel.span(scope(), "custom", ["2026-11-01", "2026-11-02"], NOW)
    assert (end - start, live) == (2 * 86_400_000, False)
    assert datetime.fromtimestamp(start / 1000, UTC).hour == 16  # midnight in Shanghai
    start, _, _ = chart_panel.span(scope(), "season", None, NOW)
    assert timefmt.local(start, "Asia/Shanghai").strftime("%m-%d %H:%M") == "03-01 00:00"
    assert chart_panel.span(scope(), "forged", None, NOW)[0] == NOW - 86_400_000


def test_zooms_read_the_farms_wall_clock():
    zoom = chart_panel.zoom_span({"xaxis2.range[0]": "2026-11-30 08:00:00", "xaxis2.range[1]": "2026-11-30 10:00"},
                                 "Asia/Shanghai")
    assert zoom == (int(datetime(2026, 11, 30, 0, tzinfo=UTC).timestamp() * 1000),
                    int(datetime(2026, 11, 30, 2, tzinfo=UTC).timestamp() * 1000))
    assert chart_panel.zoom_span({"xaxis3.autorange": True}, "UTC") == "reset"
    for noise in ({"autosize": True}, None, {"xaxis.range[0]": "garbage", "xaxis.range[1]": 3}, "x"):
        assert chart_panel.zoom_span(noise, "UTC") is None


def test_metrics_from_the_browser_are_checked():
    assert chart_panel.clean_metrics(["air_temp_c", "DROP TABLE", 3, "soil_ph"]) == ["air_temp_c", "soil_ph"]
    assert chart_panel.clean_metrics("air_temp_c") == []
    assert len(chart_panel.clean_metrics([f"m{i}" for i in range(50)])) == chart_panel.MAX_METRICS


def test_two_devices_at_one_tree_make_one_line():
    a = [Bucket(0, 10.0, 9.0, 11.0, 1), Bucket(60_000, 12.0, 12.0, 12.0, 1)]
    b = [Bucket(0, 20.0, 19.0, 21.0, 3)]
    merged = merge([a, b])
    assert merged[0] == Bucket(0, 17.5, 9.0, 21.0, 4) and merged[1] == a[1]


def test_the_camera_relay_address_is_checked():
    from orchard.errors import SettingsError
    from orchard.settings import Settings

    assert Settings.load({}).cameras_url == "/cameras"
    assert Settings.load({"ORCHARD_CAMERAS_URL": "https://live.example.org/cameras/"}).cameras_url == \
        "https://live.example.org/cameras"
    for bad in ("cameras", "ftp://host/cameras", "http:///cameras"):
        with pytest.raises(SettingsError, match="ORCHARD_CAMERAS_URL"):
            Settings.load({"ORCHARD_CAMERAS_URL": bad})


def test_tree_labels_sort_as_people_count():
    from dashboard.overview import natural

    labels = ["10", "2", "1", "A-10", "A-9", "B", "11b", "11a"]
    assert sorted(labels, key=natural) == ["1", "2", "10", "11a", "11b", "A-9", "A-10", "B"]
