"""Figures from buckets: a mean line inside a min–max band, farm-local times, units, compact arrays."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from dashboard import figures
from orchard.readings import Bucket

START = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1000)


def buckets(n: int, width: int = 60_000) -> list[Bucket]:
    return [Bucket(START + i * width, 10.0 + i, 9.0 + i, 12.0 + i, 3) for i in range(n)]


def test_each_metric_is_a_band_and_a_mean_line_with_its_unit():
    figure = figures.band_figure({"soil_moisture_pct": buckets(5), "air_temp_c": buckets(5)}, "UTC", "en")
    kinds = [(trace.type, trace.fill, trace.mode) for trace in figure.data]
    assert len(figure.data) == 6 and all(kind == "scatter" for kind, _, _ in kinds)  # never scattergl
    top, bottom, mean = figure.data[:3]
    assert bottom.fill == "tonexty" and list(top.y) == [12.0 + i for i in range(5)]
    assert list(mean.y) == [10.0 + i for i in range(5)] and list(bottom.y) == [9.0 + i for i in range(5)]
    titles = [figure.layout[axis].title.text for axis in ("yaxis", "yaxis2")]
    assert titles == ["Soil moisture (%)", "Air temperature (°C)"]


def test_chinese_labels_and_units():
    figure = figures.band_figure({"soil_temp_c": buckets(2)}, "UTC", "zh-CN")
    assert figure.layout.yaxis.title.text == "土壤温度 (°C)"


def test_times_are_the_farms_wall_clock():
    shanghai = figures.band_figure({"air_temp_c": buckets(1)}, "Asia/Shanghai", "en").data[2].x
    assert shanghai[0] == START + 8 * 3_600_000


def test_daylight_saving_shifts_part_of_a_range():
    # Europe/Berlin leaves summer time on 25 Oct 2026 at 01:00 UTC.
    change = int(datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp() * 1000)
    utc = np.array([change - 3_600_000, change + 3_600_000], dtype=np.int64)
    assert list(figures.local_ms(utc, "Europe/Berlin") - utc) == [2 * 3_600_000, 3_600_000]


def test_values_travel_as_typed_arrays():
    import plotly.io

    mean = figures.band_figure({"air_temp_c": buckets(500)}, "UTC", "en").to_plotly_json()["data"][2]
    assert mean["y"]["dtype"] == "f8" and mean["x"]["dtype"] == "f8"

    text = plotly.io.to_json(figures.band_figure({"air_temp_c": buckets(500)}, "UTC", "en"))
    assert '"bdata"' in text and len(text) < 60_000


def test_an_empty_chart_says_so():
    figure = figures.band_figure({"air_temp_c": []}, "UTC", "en")
    assert figure.layout.annotations[0].text == "No readings in this period"


def test_units_by_suffix():
    assert [figures.unit(m) for m in ("soil_ec_ms_cm", "wind_speed_ms", "rssi_dbm", "battery_v", "custom")] == \
        ["mS/cm", "m/s", "dBm", "V", ""]
