"""Charts: a tree's chart holds data in Chromium; zoom asks the store for finer buckets; the timer only new ones."""

from __future__ import annotations

import time

from tests.dashboard.conftest import DESKTOP, PHONE, call_callback, log_in, screenshot

GRAPH = "#chart-graph .js-plotly-plot"


def plotted(page) -> dict:
    """What Plotly holds in the chart: points per trace and the bucket width the figure says it used."""
    return page.evaluate(f"""() => {{
        const gd = document.querySelector('{GRAPH}');
        if (!gd || !gd.data) return null;
        return {{points: (gd._fullData || []).map(tr => tr._length || 0), meta: gd.layout.meta || null,
                 subject: gd.layout.meta && gd.layout.meta.subject}};
    }}""")


def wait_for_chart(page, predicate, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = plotted(page)
        if found and predicate(found):
            return found
        time.sleep(0.3)
    raise AssertionError(f"the chart never showed what was expected: {plotted(page)}")


def test_a_trees_chart_has_data(open_page, dashboard):
    from urllib.parse import urlsplit

    tree = dashboard.orchard.trees["17"]
    page = open_page(viewport=DESKTOP)
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    log_in(page, "farmer-hill")
    page.goto(f"/tree/{tree}")
    found = wait_for_chart(page, lambda f: f["points"] and min(f["points"]) > 100)
    assert hosts == {urlsplit(dashboard.url).netloc}, f"fetched from other hosts (a CDN?): {hosts}"
    assert page.evaluate("typeof Plotly") == "object"  # Plotly itself came from the dashboard
    assert found["subject"] == f"tree:{tree}"
    assert len(found["points"]) == 9  # three metrics, each a band (two traces) and a mean line
    assert "Fuji" in page.locator("#tree-header").inner_text()
    screenshot(page, "farmer-tree-desktop-en")


def test_zoom_asks_the_store_for_finer_buckets(open_page, dashboard):
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto(f"/tree/{dashboard.orchard.trees['17']}")
    page.locator("#chart-range").get_by_text("7 days").click()
    wide = wait_for_chart(page, lambda f: f["meta"] and f["meta"]["bucket_ms"] >= 900_000)
    # Zoom into the last tenth of the week by dragging across the top chart, as a farmer would.
    box = page.locator("#chart-graph .nsewdrag").first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.88, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.93, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.98, y, steps=5)
    page.mouse.up()
    fine = wait_for_chart(page, lambda f: f["meta"]["bucket_ms"] < wide["meta"]["bucket_ms"])
    assert fine["meta"]["bucket_ms"] <= 60_000 and max(fine["points"]) <= 500


def test_thirty_days_never_ship_raw_points(dashboard):
    client = dashboard.client("farmer-hill")
    tree = dashboard.orchard.trees["17"]
    response = call_callback(client, [("chart-graph", "figure"), ("chart-state", "data")], [
        ("chart-subject", "value", f"tree:{tree}"), ("chart-metrics", "value", ["air_temp_c", "soil_moisture_pct"]),
        ("chart-range", "value", "30d"), ("chart-custom", "value", None), ("chart-graph", "relayoutData", None)])
    assert response.status_code == 200, response.text
    state = response.json()["response"]["chart-state"]["data"]
    assert state["bucket_ms"] >= 3 * 3_600_000 and state["live"]
    assert len(response.content) < 60_000


def test_the_timer_asks_only_for_new_buckets(dashboard):
    client = dashboard.client("farmer-hill")
    tree = dashboard.orchard.trees["17"]
    now = int(time.time() * 1000)
    state = {"subject": f"tree:{tree}", "metrics": ["air_temp_c"], "bucket_ms": 300_000, "live": True,
             "next_ms": now - now % 300_000 - 6 * 300_000, "span_ms": 86_400_000}
    outputs = [("chart-graph", "extendData"), ("chart-state", "data"), ("chart-note", "children")]
    response = call_callback(client, outputs, [("chart-refresh", "n_intervals", 1)], [("chart-state", "data", state)])
    assert response.status_code == 200, response.text
    body = response.json()["response"]
    extend, traces, keep = body["chart-graph"]["extendData"]
    assert traces == [0, 1, 2] and keep == 288
    assert 5 <= len(extend["y"][2]) <= 6  # the buckets completed since next_ms, not the day
    assert body["chart-state"]["data"]["next_ms"] > state["next_ms"]
    assert "°C" in body["chart-note"]["children"]


def test_charts_page_on_a_phone(open_page):
    page = open_page(viewport=PHONE, locale="zh-CN")
    log_in(page, "farmer-hill")
    page.goto("/charts")
    wait_for_chart(page, lambda f: f["points"] and max(f["points"]) > 0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "farmer-charts-phone-zh")


def test_a_customers_chart_starts_at_the_claim(dashboard):
    """ana's claim on tree 17 started 30 days ago: a reading from before it never reaches her chart."""
    import base64

    import numpy as np

    from orchard.readings import Reading
    from orchard.store import open_store

    orchard = dashboard.orchard
    tree = orchard.trees["17"]
    before = int(orchard.world.claim_start.timestamp() * 1000) - 86_400_000
    with open_store(orchard.store_url) as store:
        store.write([Reading("air_temp_c", 11.0, before, {"farm": "hill", "device": "hill-1", "tree": str(tree)})])
    inputs = [("chart-subject", "value", f"tree:{tree}"), ("chart-metrics", "value", ["air_temp_c"]),
              ("chart-range", "value", "custom"), ("chart-custom", "value", ["2020-01-01", "2030-01-01"]),
              ("chart-graph", "relayoutData", None)]
    outputs = [("chart-graph", "figure"), ("chart-state", "data")]

    def first_point(username: str) -> float | None:
        response = call_callback(dashboard.client(username), outputs, inputs)
        assert response.status_code in (200, 204), response.text
        if response.status_code == 204:
            return None
        traces = response.json()["response"]["chart-graph"]["figure"]["data"]
        if len(traces) < 3:
            return None  # an empty chart
        x = traces[2]["x"]
        values = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]) if isinstance(x, dict) else x
        return float(values[0]) if len(values) else None

    shanghai = 8 * 3_600_000  # the chart's times are the farm's wall clock
    assert first_point("farmer-hill") <= before + shanghai  # staff see the old reading
    start = first_point("ana")
    assert start is not None and start >= int(orchard.world.claim_start.timestamp() * 1000) + shanghai - 86_400_000
    assert start > before + shanghai
    assert first_point("bo") is None  # bo's claim on the tree has ended: no chart at all
