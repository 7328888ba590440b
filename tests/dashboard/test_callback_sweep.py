"""Every registered callback, forged: without a cookie, and as people asking for what is not theirs.

Callback inputs come from the browser, so this test does what anyone could: it reads
the callback list the server publishes (/_dash-dependencies), and POSTs each server
callback to /_dash-update-component with ids of trees, plots, devices and cameras the
asker may not see, in plain and pattern-matching ids, in stores and URLs. Nothing the
asker may not see may come back; nobody logged out gets anything but a way to log in.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from tests.dashboard.care_site import SECRET_17, VALLEY
from tests.dashboard.conftest import REPO, SECRET

WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
ROUTER = "_pages_content.children"
SESSION_WATCH = "shell-session-redirect.href"


def victims(orchard) -> dict[str, object]:
    """What the forged requests ask for: the hill farm's tree 17 (ana's), its plot, device and camera."""
    from orchard.registry import orchards
    from orchard.registry.db import session_factory

    sessions = session_factory(orchard.db_url)
    with sessions() as s:
        plot = orchards.find_tree(s, "hill", "17").plot_id
    sessions.kw["bind"].dispose()
    return {"tree": orchard.trees["17"], "plot": plot, "device": "hill-1", "camera": "cam-17", "farm": "hill",
            "valley_tree": orchard.trees["5"], "entry": orchard.care["secret_17"]}


def forged_sets(v: dict) -> list[dict[str, object]]:
    """Input values by property name, one dict per request: each aims at another thing the asker may not see."""
    now = int(time.time() * 1000)
    state = {"metrics": ["air_temp_c", "soil_moisture_pct"], "bucket_ms": 300_000, "live": True,
             "next_ms": now - 3_600_000, "span_ms": 86_400_000}
    relayout = {"xaxis.range[0]": "2020-01-01 00:00:00", "xaxis.range[1]": "2030-01-01 00:00:00"}
    subjects = [f"tree:{v['tree']}", f"plot:{v['plot']}", f"device:{v['device']}", f"tree:{v['valley_tree']}",
                "device:valley-1"]
    paths = [f"/tree/{v['tree']}", "/charts", "/camera-wall", f"/tree/{v['valley_tree']}", "/farm", "/devices",
             "/claims", "/", "/my-tree"]
    sets = []
    for i in range(max(len(subjects), len(paths))):
        subject = subjects[i % len(subjects)]
        sets.append({
            "pathname": paths[i % len(paths)], "search": f"?farm={v['farm']}&subject={subject}&tree={v['tree']}",
            "value": subject, "data": {**state, "subject": subject, "tree": v["tree"], "camera": v["camera"],
                                       "entry": v["entry"]},
            "n_intervals": i + 1, "n_clicks": i + 1, "relayoutData": relayout, "opened": True,
            "farm": v["farm"], "clickData": {"points": [{"customdata": v["tree"]}]},
            # Some inputs share a property name but want another kind of value: by "component.property".
            "chart-metrics.value": ["air_temp_c", "soil_moisture_pct"], "chart-range.value": ["24h", "30d"][i % 2],
            "chart-custom.value": ["2020-01-01", "2030-01-01"],
        })
    # Farm pickers and range controls take their own kinds of value.
    sets.append({"value": v["farm"], "pathname": "/farm", "data": None, "n_intervals": 1, "n_clicks": 1})
    sets.append({"value": "valley", "pathname": "/farm", "data": None, "n_intervals": 2, "n_clicks": 2})
    sets.append({"value": ["air_temp_c"], "pathname": "/charts", "data": [v["tree"], v["camera"]],
                 "n_intervals": 3, "n_clicks": 3})
    return [{**sets[0], **values} for values in sets]  # every property has a value of a plausible type


def concrete(component, v: dict):
    """A pattern-matching id with its wildcards replaced by the victim's ids."""
    if not isinstance(component, dict):
        return component
    picks = {"tree": v["tree"], "camera": v["camera"], "device": v["device"], "plot": v["plot"], "farm": v["farm"],
             "entry": v["entry"]}
    return {key: (picks.get(key, "x") if value in WILDCARDS or isinstance(value, list) else value)
            for key, value in component.items()}


def parse_component(text: str):
    return json.loads(text) if text.startswith("{") else text


def split_outputs(output: str) -> list[tuple[object, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    found = []
    for part in parts:
        component, _, prop = part.rpartition(".")
        found.append((parse_component(component), re.sub(r"@[0-9a-f]+$", "", prop)))
    return found


def requests_for(dependency: dict, v: dict) -> list[dict]:
    """Bodies for one callback: one per forged set, every input and state filled from it."""
    outputs = split_outputs(dependency["output"])
    bodies = []
    for values in forged_sets(v):
        def entry(spec, values=values):
            component = parse_component(spec["id"]) if isinstance(spec["id"], str) else spec["id"]
            item = {"id": concrete(component, v), "property": spec["property"],
                    "value": values.get(f"{spec['id']}.{spec['property']}",
                                        values.get(spec["property"], values["value"]))}
            is_all = isinstance(component, dict) and any(x in (["ALL"], ["ALLSMALLER"]) for x in component.values())
            return [item] if is_all else item

        inputs = [entry(spec) for spec in dependency["inputs"]]
        first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
        key = first["id"] if isinstance(first["id"], str) else json.dumps(first["id"], sort_keys=True,
                                                                            separators=(",", ":"))
        out_specs = [{"id": concrete(c, v), "property": p} for c, p in outputs]
        bodies.append({
            "output": dependency["output"],
            "outputs": out_specs if len(out_specs) > 1 else out_specs[0],
            "inputs": inputs,
            "state": [entry(spec) for spec in dependency["state"]],
            "changedPropIds": [f"{key}.{first['property']}"],
        })
    return bodies


def text_of(response) -> str:
    """The answer as plain JSON text (Dash escapes "/" and non-ASCII letters), for looking for names in it."""
    if response.status_code != 200:
        return response.text
    return json.dumps(response.json(), ensure_ascii=False)


def server_callbacks(client) -> list[dict]:
    dependencies = client.get("/_dash-dependencies").json()
    return [d for d in dependencies if not d.get("clientside_function")]


def hidden_markers(v: dict, persona: str) -> list[str]:
    """Text that must never reach `persona` (names, ids and varieties of what they may not see)."""
    valley = ['"Navel"', "valley-1", "cam-v", "Valley Orchard", f"tree:{v['valley_tree']}", VALLEY]
    hill = ['"Fuji"', '"Gala"', '"Honeycrisp"', "hill-1", "hill-2", "cam-17", "cam-18", "Hillside Orchard",
            f"tree:{v['tree']}", f"plot:{v['plot']}", '"ana"', '"cy"', '"bo"', SECRET_17]
    if persona == "anonymous":
        return valley + hill + ["bdata", "°C", '"farmer-hill"']
    if persona == "cy":  # a customer whose claim is on tree 18, not 17
        return valley + ['"Fuji"', '"Honeycrisp"', "hill-1", "cam-17", f"tree:{v['tree']}", f"plot:{v['plot']}",
                         '"ana"', '"bo"', "device:", "bdata", SECRET_17]
    return hill  # farmer-valley: the other farm


@pytest.fixture(scope="module")
def v(orchard):
    return victims(orchard)


def test_the_sweep_covers_every_server_callback(dashboard):
    found = {d["output"] for d in server_callbacks(dashboard.client())}
    assert any(ROUTER in output for output in found) and SESSION_WATCH in found
    assert len(found) >= 8, found


def test_nobody_logged_out_gets_anything(dashboard, v):
    client = dashboard.client()
    problems = []
    for dependency in server_callbacks(client):
        for body in requests_for(dependency, v):
            response = client.post("/_dash-update-component", json=body)
            allowed_answer = ROUTER in dependency["output"] or dependency["output"] == SESSION_WATCH
            if response.status_code == 204:
                continue
            text = text_of(response)
            leaked = [m for m in hidden_markers(v, "anonymous") if m in text]
            if response.status_code != 200 or not allowed_answer or leaked:
                problems.append((dependency["output"], body["inputs"][0], response.status_code, leaked,
                                 response.text[:200]))
            elif ROUTER in dependency["output"]:
                assert "/login" in text or "Page not found" in text, text[:300]
    assert problems == []


@pytest.mark.parametrize("username", ["cy", "farmer-valley"])
def test_forged_ids_show_nothing_that_is_not_yours(dashboard, v, username):
    client = dashboard.client(username)
    problems = []
    markers = hidden_markers(v, "cy" if username == "cy" else "farmer")
    for dependency in server_callbacks(client):
        for body in requests_for(dependency, v):
            response = client.post("/_dash-update-component", json=body)
            # cy's own "My tree" carries her tree 18's charts: there, readings are hers (test_customer.py checks whose).
            page = {"id": "_pages_location", "property": "pathname", "value": "/my-tree"}
            own = username == "cy" and page in body["inputs"]
            leaked = [m for m in markers if m in text_of(response) and not (own and m == "bdata")]
            if response.status_code not in (200, 204) or leaked:
                problems.append((leaked, response.status_code, dependency["output"][:60],
                                 json.dumps(body["inputs"] + body["state"])[:300]))
    assert problems == []


def test_the_forged_requests_are_answered_for_the_owner(dashboard, v):
    """The sweep's requests are well formed: asked by the farm's own farmer, the same requests show the tree."""
    client = dashboard.client("farmer-hill")
    shown = ""
    for dependency in server_callbacks(client):
        for body in requests_for(dependency, v):
            response = client.post("/_dash-update-component", json=body)
            assert response.status_code in (200, 204), (dependency["output"], response.text[:300])
            shown += text_of(response) if response.status_code == 200 else ""
    for marker in ('"Fuji"', "cam-17", f"tree:{v['tree']}", "hill-1", "bdata", SECRET_17):
        assert marker in shown, marker


GUARD_CHECK = r"""
import json, os
from orchard.settings import Settings
from dashboard.app import create_app
from fastapi.testclient import TestClient
import dash
app = create_app(Settings.load(dict(os.environ)))
with TestClient(app) as client:
    client.get("/_dash-layout")  # Dash moves callbacks into the app on its first request
dash_app = dash.get_app()
unguarded = [key for key, spec in dash_app.callback_map.items()
             if spec.get("callback") is not None  # clientside callbacks run in the browser only
             and not getattr(spec["callback"], "orchard_guarded", False) and "_pages_content.children" not in key]
pages = [name for name, page in dash.page_registry.items()
         if callable(page["layout"]) and not getattr(page["layout"], "orchard_guarded", False)]
print(json.dumps({"unguarded": unguarded, "open_pages": sorted(pages)}))
"""


def test_every_callback_and_page_goes_through_the_guard(orchard, tmp_path):
    """The registered functions themselves: each callback is @guarded; only the login and 404 pages are open."""
    env = {"ORCHARD_DB_URL": orchard.db_url, "ORCHARD_STORE_URL": orchard.store_url, "ORCHARD_SECRET_KEY": SECRET,
           "ORCHARD_DATA_DIR": str(tmp_path), "ORCHARD_MQTT_URL": "mqtt://127.0.0.1:1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", GUARD_CHECK], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["unguarded"] == []
    assert found["open_pages"] == ["dashboard.pages.login", "dashboard.pages.not_found_404"]
