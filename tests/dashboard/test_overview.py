"""The farmer's overview in Chromium: every tree in its state, a stopped device offline, conditions with units."""

from __future__ import annotations

import time

from tests.dashboard.conftest import DESKTOP, PHONE, log_in, screenshot


def tile_states(page) -> dict[str, tuple[str, str]]:
    states = {}
    for tile in page.locator(".orchard-tile").all():
        label = tile.locator(".orchard-tile-label").inner_text()
        states[label] = (tile.get_attribute("data-claimed"), tile.get_attribute("data-health"))
    return states


def wait_for_tiles(page, expected: dict, timeout_s: float = 45) -> dict:
    """Reload until the tiles show `expected` (the overview refreshes by itself too)."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.locator(".orchard-tile").first.wait_for()
        states = tile_states(page)
        if states == expected or time.monotonic() > deadline:
            return states
        time.sleep(2)
        page.reload()


def test_overview_shows_every_tree_in_its_state(open_page, devices, dashboard):
    devices.online("hill", "hill-1")
    devices.online("hill", "hill-2")
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto("/farm")
    # hill-2 says it is online but its last reading is 3 hours old: stale. Tree 19 has no device.
    states = wait_for_tiles(page, {"17": ("1", "online"), "18": ("1", "stale"), "19": ("0", "none")})
    assert states == {"17": ("1", "online"), "18": ("1", "stale"), "19": ("0", "none")}
    devices.pull_the_plug("hill-2")  # the broker publishes its last will: offline
    states = wait_for_tiles(page, {"17": ("1", "online"), "18": ("1", "offline"), "19": ("0", "none")})
    assert states["18"] == ("1", "offline"), states
    conditions = page.locator(".orchard-condition-card").first.inner_text()
    assert "°C" in conditions and "%" in conditions and "Soil moisture" in conditions
    assert "valley" not in page.content() and "Navel" not in page.content()  # the other farm's tree
    screenshot(page, "farmer-overview-desktop-en")
    page.locator(f"#{tile_id(dashboard, '17')} a").click()
    page.wait_for_url(f"**/tree/{dashboard.orchard.trees['17']}")


def test_overview_on_a_phone_in_chinese(open_page):
    page = open_page(viewport=PHONE, locale="zh-CN")
    log_in(page, "farmer-hill")
    page.goto("/farm")
    page.locator(".orchard-tile").first.wait_for()
    assert "总览" in page.locator("h2").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "farmer-overview-phone-zh")


def tile_id(dashboard, label: str) -> str:
    import json

    tree = dashboard.orchard.trees[label]
    # Dash renders a dict id as its JSON with sorted keys; CSS needs it escaped.
    return _css_escape(json.dumps({"tree": tree, "type": "tree-tile"}, separators=(",", ":")))


def _css_escape(text: str) -> str:
    return "".join(f"\\{c}" if not c.isalnum() and c not in "-_" else c for c in text)


def test_a_refresh_sends_the_tiles_only_when_they_changed(dashboard):
    from tests.dashboard.conftest import call_callback

    client = dashboard.client("farmer-hill")
    outputs = [("overview-conditions", "children"), ("overview-tiles", "children"), ("overview-devices", "children"),
               ("overview-updated", "children"), ("overview-shown", "data")]

    def refresh(shown):
        response = call_callback(client, outputs, [("overview-farm", "value", "hill"),
                                                   ("overview-refresh", "n_intervals", 1)],
                                 [("overview-shown", "data", shown)])
        assert response.status_code == 200, response.text
        return response.json()["response"]

    first = refresh(None)
    assert "overview-tiles" in first and first["overview-shown"]["data"]
    again = refresh(first["overview-shown"]["data"])
    assert set(again) == {"overview-updated"}, "unchanged tiles were sent again"
    assert "overview-tiles" in refresh("forged digest")


def test_an_admin_picks_any_farm(open_page, dashboard):
    page = open_page(viewport=DESKTOP)
    log_in(page, "admin")
    page.goto("/farm?farm=valley")
    page.locator(".orchard-tile").first.wait_for()
    assert set(tile_states(page)) == {"5"}
    assert "Valley Orchard" in page.locator("#overview-updated").inner_text()


def test_trees_with_coordinates_go_on_a_map(open_page, dashboard):
    from orchard.registry.db import session_factory
    from orchard.registry.models import Tree

    sessions = session_factory(dashboard.orchard.db_url)
    hill = [dashboard.orchard.trees[label] for label in ("17", "18", "19")]
    with sessions.begin() as s:
        for n, tree_id in enumerate(hill):
            tree = s.get(Tree, tree_id)
            tree.latitude, tree.longitude = 30.0 + n * 0.001, 120.0 + n * 0.002
    try:
        page = open_page(viewport=PHONE)
        log_in(page, "farmer-hill")
        page.goto("/farm")
        page.locator(".orchard-tree-map .orchard-tile").first.wait_for()
        lefts = page.evaluate("[...document.querySelectorAll('.orchard-tree-map .orchard-tile')]"
                              ".map(t => t.getBoundingClientRect().left)")
        assert len(lefts) == 3 and lefts == sorted(lefts)  # west to east, as their longitudes
        screenshot(page, "farmer-overview-map-phone-en")
    finally:
        with sessions.begin() as s:
            for tree_id in hill:
                tree = s.get(Tree, tree_id)
                tree.latitude = tree.longitude = None
        sessions.kw["bind"].dispose()
