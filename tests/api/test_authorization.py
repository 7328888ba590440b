"""Who gets what from every endpoint of the API: one table, every route, all seven personas.

Columns, in tests/world.py PERSONAS order:
  anon  ana (claim on 17 in force)  bo (claim on 17 ended)  cy (claim on 18)
  farmer-valley  farmer-hill  admin
A row the asker may not see is 404 (never 403), so its existence does not leak; 403 means
"you may see it but not do this". Farmers create and update plots, trees and claims of
their farms; deleting anything, and everything about farms, devices, cameras and people,
is for admins. Rows named new_* are made afresh for each persona's request.
"""

from __future__ import annotations

from datetime import timedelta

from orchard.registry import alert_tuning, incidents, invitations, orchards, people, shares, tokens
from orchard.registry.alert_channels import add_channel
from orchard.registry.models import Claim, Role
from tests.alert_rows import fire
from tests.api import authz_picking
from tests.api.care_world import add_care_log
from tests.authz import Case, run_table, uncovered_routes
from tests.picking_world import add_picking
from tests.world import PASSWORD

START, END = "2030-01-01T00:00:00Z", "2030-06-01T00:00:00Z"
def CLAIM(ids):  # a table constant that needs the world's ids
    return {"user_id": ids["customer_active"], "tree_id": ids["t17"], "starts_at": START, "ends_at": END}

TABLE = [
    # -- docs and auth -------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/openapi.json",                  "200 200 200 200 200 200 200"),
    Case("GET", "/api/docs",                          "200 200 200 200 200 200 200"),
    Case("GET", "/api/docs/init.js",                  "200 200 200 200 200 200 200"),
    Case("GET", "/api/healthz",                       "200 200 200 200 200 200 200"),
    Case("POST", "/api/login",                        "200 200 200 200 200 200 200",
         json={"username": "ana", "password": PASSWORD}),
    Case("POST", "/api/logout",                       "204 204 204 204 204 204 204"),
    Case("GET", "/api/me",                            "401 200 200 200 200 200 200"),
    Case("GET", "/api/tokens",                        "401 200 200 200 200 200 200"),
    Case("POST", "/api/tokens",                       "401 201 201 201 201 201 201", json={"name": "t"}),
    Case("DELETE", "/api/tokens/{token_id}",          "401 204 404 404 404 404 404",
         args={"token_id": "new_token_of_ana"}),
    # -- farms ---------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/farms",                         "401 200 200 200 200 200 200"),
    Case("GET", "/api/farms/{farm_id}",               "401 404 404 404 404 200 200", args={"farm_id": "hill"}),
    Case("GET", "/api/farms/{farm_id}",               "401 404 404 404 200 404 200", args={"farm_id": "valley"}),
    Case("POST", "/api/farms",                        "401 403 403 403 403 403 201",
         json=lambda who: {"id": f"farm-{who}".replace("_", "-"), "name": "New"}),
    Case("PATCH", "/api/farms/{farm_id}",             "401 404 404 404 404 403 200",
         args={"farm_id": "hill"}, json={"name": "Hillside Orchard"}),
    Case("DELETE", "/api/farms/{farm_id}",            "401 404 404 404 404 403 204",
         args={"farm_id": "new_farm_of_farmer_hill"}),
    # -- plots ---------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/plots",                         "401 200 200 200 200 200 200"),
    Case("GET", "/api/plots/{plot_id}",               "401 404 404 404 404 200 200", args={"plot_id": "plot_north"}),
    Case("POST", "/api/plots",                        "401 403 403 403 403 201 201",
         json=lambda who: {"farm_id": "hill", "name": f"plot {who}"}),
    Case("PATCH", "/api/plots/{plot_id}",             "401 404 404 404 404 200 200",
         args={"plot_id": "new_plot"}, json=lambda who: {"name": f"renamed {who}"}),
    Case("DELETE", "/api/plots/{plot_id}",            "401 404 404 404 404 403 204", args={"plot_id": "new_plot"}),
    # -- trees and readings --------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/trees",                         "401 200 200 200 200 200 200"),
    Case("GET", "/api/trees/{tree_id}",               "401 200 404 404 404 200 200", args={"tree_id": "t17"}),
    Case("GET", "/api/trees/{tree_id}",               "401 404 404 200 404 200 200", args={"tree_id": "t18"}),
    Case("GET", "/api/trees/{tree_id}",               "401 404 404 404 200 404 200", args={"tree_id": "t5"}),
    Case("POST", "/api/trees",                        "401 403 403 403 403 201 201",
         json=lambda who: {"farm_id": "hill", "label": f"new-{who}"[:32]}),
    Case("PATCH", "/api/trees/{tree_id}",             "401 403 404 404 404 200 200",
         args={"tree_id": "t17"}, json={"variety": "Fuji"}),
    Case("DELETE", "/api/trees/{tree_id}",            "401 404 404 404 404 403 204", args={"tree_id": "new_tree"}),
    Case("POST", "/api/trees/import",                 "401 403 403 403 403 200 200",
         content=lambda who: f"farm,label,variety\nhill,csv-{who},Fuji\n"[:60], content_type="text/csv"),
    Case("GET", "/api/trees/{tree_id}/readings",      "401 200 404 404 404 200 200", args={"tree_id": "t17"}),
    Case("GET", "/api/trees/{tree_id}/readings",      "401 404 404 404 200 404 200", args={"tree_id": "t5"}),
    Case("GET", "/api/trees/{tree_id}/latest",        "401 200 404 404 404 200 200", args={"tree_id": "t17"}),
    Case("GET", "/api/trees/{tree_id}/latest",        "401 404 404 200 404 200 200", args={"tree_id": "t18"}),
    # -- devices -------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/devices",                       "401 200 200 200 200 200 200"),
    Case("GET", "/api/devices/{device_id}",           "401 404 404 404 404 200 200", args={"device_id": "hill-1"}),
    Case("POST", "/api/devices",                      "401 403 403 403 403 403 201",
         json=lambda who: {"id": f"dev-{who}".replace("_", "-"), "farm_id": "hill"}),
    Case("PATCH", "/api/devices/{device_id}",         "401 404 404 404 404 403 200",
         args={"device_id": "hill-1"}, json={"sensors": ""}),
    Case("POST", "/api/devices/{device_id}/password", "401 404 404 404 404 403 200", args={"device_id": "hill-1"}),
    Case("DELETE", "/api/devices/{device_id}",        "401 404 404 404 404 403 204", args={"device_id": "new_device"}),
    # -- cameras -------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/cameras",                       "401 200 200 200 200 200 200"),
    Case("GET", "/api/cameras/{camera_id}",           "401 200 404 404 404 200 200", args={"camera_id": "cam-17"}),
    Case("GET", "/api/cameras/{camera_id}",           "401 404 404 404 200 404 200", args={"camera_id": "cam-v"}),
    Case("POST", "/api/cameras",                      "401 403 403 403 403 403 201",
         json=lambda who: {"id": f"cam-{who}".replace("_", "-"), "device_id": "hill-1"}),
    Case("PATCH", "/api/cameras/{camera_id}",         "401 403 404 404 404 403 200",
         args={"camera_id": "cam-17"}, json=lambda who: {"tree_ids": [IDS["t17"]]}),
    Case("DELETE", "/api/cameras/{camera_id}",        "401 403 404 404 404 403 204",
         args={"camera_id": "new_camera_seeing_17"}),
    Case("POST", "/api/cameras/{camera_id}/token",    "401 200 404 404 404 200 200", args={"camera_id": "cam-17"}),
    Case("POST", "/api/cameras/{camera_id}/token",    "401 404 404 200 404 200 200", args={"camera_id": "cam-18"}),
    Case("POST", "/api/cameras/{camera_id}/token",    "401 404 404 404 200 404 200", args={"camera_id": "cam-v"}),
    # -- people --------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/users",                         "401 200 200 200 200 200 200"),
    Case("GET", "/api/users/{user_id}",               "401 200 404 404 404 200 200",
         args={"user_id": "customer_active"}),
    Case("GET", "/api/users/{user_id}",               "401 404 404 404 200 404 200",
         args={"user_id": "farmer_other_farm"}),
    Case("POST", "/api/users",                        "401 403 403 403 403 403 201",
         json=lambda who: {"username": f"user-{who}", "role": "customer"}),
    Case("PATCH", "/api/users/{user_id}",             "401 403 404 404 404 403 200",
         args={"user_id": "customer_active"}, json={"display_name": "Ana"}),
    Case("DELETE", "/api/users/{user_id}",            "401 404 404 404 404 404 204", args={"user_id": "new_customer"}),
    # -- claims --------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("POST", "/api/claims/orders",                "401 401 401 401 401 401 401",
         json={"order_id": "X-1", "customer": {"username": "eve"}, "farm": "hill", "tree": "17",
               "start": "2030-01-01", "end": "2030-02-01"}),
    Case("GET", "/api/claims",                        "401 200 200 200 200 200 200"),
    Case("GET", "/api/claims/{claim_id}",             "401 200 404 404 404 200 200", args={"claim_id": "claim_ana"}),
    Case("GET", "/api/claims/{claim_id}",             "401 404 200 404 404 200 200", args={"claim_id": "claim_bo"}),
    Case("POST", "/api/claims",                       "401 403 403 403 403 201 201", json=lambda who: CLAIM(IDS)),
    Case("PATCH", "/api/claims/{claim_id}",           "401 403 404 404 404 200 200",
         args={"claim_id": "new_claim_of_ana"}, json={"status": "cancelled"}),
    Case("DELETE", "/api/claims/{claim_id}",          "401 403 404 404 404 403 204",
         args={"claim_id": "new_claim_of_ana"}),
    # -- care log (tests/api/care_world.py) ------------ anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/care-log",                      "401 200 200 200 200 200 200"),
    Case("GET", "/api/care-log/{entry_id}",           "401 200 404 404 404 200 200", args={"entry_id": "entry_17"}),
    Case("GET", "/api/care-log/{entry_id}",           "401 200 404 200 404 200 200", args={"entry_id": "entry_north"}),
    Case("GET", "/api/care-log/{entry_id}",           "401 404 404 404 200 404 200", args={"entry_id": "entry_5"}),
    Case("GET", "/api/care-log/{entry_id}",           "401 404 404 404 404 200 200", args={"entry_id": "entry_old"}),
    Case("POST", "/api/care-log",                     "401 403 403 403 403 201 201",
         json=lambda who: {"farm_id": "hill", "scope": "tree", "tree_id": IDS["t17"], "kind": "inspection",
                           "event_at": "2026-01-01T08:00:00+08:00", "notes": f"by {who}"}),
    Case("POST", "/api/care-log/{entry_id}/revisions", "401 403 404 404 404 201 201",
         args={"entry_id": "entry_17"}, json={"notes": "30 L", "quantity": 30, "unit": "L"}),
    Case("POST", "/api/care-log/{entry_id}/revisions", "401 404 404 404 201 404 201",
         args={"entry_id": "entry_5"}, json={"notes": "looked again"}),
    Case("POST", "/api/care-log/photos",              "401 403 403 403 422 422 422",
         content="not a picture", content_type="image/jpeg"),
    Case("GET", "/api/care-log/{entry_id}/revisions/{number}/photo", "401 200 404 404 404 200 200",
         args={"entry_id": "entry_17", "number": "1"}),
    Case("GET", "/api/trees/{tree_id}/promise",       "401 200 404 404 404 200 200", args={"tree_id": "t17"}),
    Case("GET", "/api/trees/{tree_id}/promise",       "401 404 404 404 200 404 200", args={"tree_id": "t5"}),
    # -- alerts (customers never see a farm's alerts) -- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/alerts",                        "401 200 200 200 200 200 200"),
    Case("GET", "/api/alerts/{alert_id}",             "401 404 404 404 404 200 200",
         args={"alert_id": "new_alert_hill"}),
    Case("GET", "/api/alerts/{alert_id}",             "401 404 404 404 200 404 200",
         args={"alert_id": "new_alert_valley"}),
    Case("POST", "/api/alerts/{alert_id}/ack",        "401 404 404 404 404 200 200",
         args={"alert_id": "new_alert_hill"}),
    Case("POST", "/api/alerts/{alert_id}/ack",        "401 404 404 404 409 404 409",
         args={"alert_id": "new_acknowledged_alert_valley"}),
    Case("GET", "/api/farms/{farm_id}/alert-rules",   "401 404 404 404 404 200 200", args={"farm_id": "hill"}),
    Case("PUT", "/api/farms/{farm_id}/alert-rules/{key}", "401 404 404 404 404 200 200",
         args={"farm_id": "hill", "key": "frost"}, json={"threshold": -1}),
    Case("DELETE", "/api/farms/{farm_id}/alert-rules/{key}", "401 404 404 404 404 204 204",
         args={"farm_id": "hill", "key": "new_rule_override_on_hill"}),
    # -- alert channels (a robot's URL holds its key) - anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/farms/{farm_id}/channels",      "401 404 404 404 404 200 200", args={"farm_id": "hill"}),
    Case("GET", "/api/farms/{farm_id}/channels",      "401 404 404 404 200 404 200", args={"farm_id": "valley"}),
    Case("POST", "/api/farms/{farm_id}/channels",     "401 404 404 404 404 201 201", args={"farm_id": "hill"},
         json={"kind": "webhook", "url": "http://127.0.0.1:9/hook"}),
    Case("POST", "/api/farms/{farm_id}/channels/{channel_id}/test", "401 404 404 404 404 200 200",
         args={"farm_id": "hill", "channel_id": "new_channel"}),
    Case("DELETE", "/api/farms/{farm_id}/channels/{channel_id}", "401 404 404 404 404 204 204",
         args={"farm_id": "hill", "channel_id": "new_channel"}),
    Case("DELETE", "/api/farms/{farm_id}/channels/{channel_id}", "401 404 404 404 404 404 404",
         args={"farm_id": "valley", "channel_id": "new_channel"}),  # hill's channel asked for under valley
    # -- password links and share links ---------------- anon ana bo  cy  fv  fh  admin
    Case("POST", "/api/users/{user_id}/password-link", "401 403 404 404 404 201 201",
         args={"user_id": "customer_active"}),
    Case("POST", "/api/users/{user_id}/password-link", "401 404 404 404 403 404 201",
         args={"user_id": "farmer_other_farm"}),
    Case("POST", "/api/password-links",               "204 204 204 204 204 204 204",
         json=lambda who: {"token": FRESH["reset_token"](), "purpose": "reset", "password": "a long new one"}),
    Case("GET", "/api/claims/{claim_id}/shares",      "401 200 404 404 404 403 200", args={"claim_id": "claim_ana"}),
    Case("POST", "/api/claims/{claim_id}/shares",     "401 201 404 404 404 403 403",
         args={"claim_id": "claim_ana"}, json={"days": 7}),
    Case("DELETE", "/api/shares/{share_id}",          "401 204 404 404 404 403 204",
         args={"share_id": "new_share_of_ana"}),
    Case("GET", "/api/shared/{token}",                "200 200 200 200 200 200 200",
         args={"token": "share_token_of_ana"}),
    Case("GET", "/api/shared/{token}",                "410 410 410 410 410 410 410",
         args={"token": "revoked_share_token"}),
]

TABLE += authz_picking.CASES
IDS: dict[str, int] = {}  # the world's ids, filled in before the table runs (bodies read them)
FRESH: dict = {}  # makers of fresh rows, for bodies that need one


def fresh_rows(server) -> dict:
    """Makers of rows a request may delete or change; each call makes a new one on farm hill."""
    ids, sessions = server.ids(), server.sessions
    made = iter(range(1, 10_000))

    def make(build):
        def fresh():
            with sessions.begin() as session:
                return build(session, next(made))
        return fresh

    def farm(session, n):
        farm = orchards.create_farm(session, f"extra-{n}", "Extra")
        hill = people.find_user(session, "farmer-hill")
        people.set_user_farms(session, hill, [f.id for f in hill.farms] + [farm.id])
        return farm.id

    def camera(session, n):
        return orchards.create_camera(session, f"extra-cam-{n}", "hill-1", [ids["t17"]]).id

    def claim(session, n):
        ana, tree = people.find_user(session, "ana"), orchards.get_tree(session, ids["t17"])
        return people.create_claim(session, ana, tree, server.world.now + timedelta(days=400 + n),
                                   server.world.now + timedelta(days=401 + n)).id

    def alert(device, acknowledged=False):
        def build(session, n):
            incident = fire(session, device)
            if acknowledged:
                incidents.acknowledge(session, incident.id, people.find_user(session, "admin"))
            return incident.id
        return build

    def rule_override(session, n):
        key = f"extra_rule_{n}"
        alert_tuning.set_override(session, alert_tuning.scope(session, "hill"), key,
                                  {"metric": "air_temp_c", "threshold": -5, "clear_threshold": -4})
        return key

    def revoked_share(session, n):
        link, token = shares.create_share(session, session.get(Claim, ids["claim_ana"]))
        shares.revoke_share(session, link)
        return token

    return {
        "new_alert_hill": make(alert("hill-1")),
        "new_alert_valley": make(alert("valley-1")),
        "new_acknowledged_alert_valley": make(alert("valley-1", acknowledged=True)),
        "new_rule_override_on_hill": make(rule_override),
        "new_farm_of_farmer_hill": make(farm),
        "new_plot": make(lambda s, n: orchards.create_plot(s, "hill", f"extra {n}").id),
        "new_tree": make(lambda s, n: orchards.create_tree(s, "hill", f"extra-{n}").id),
        "new_device": make(lambda s, n: orchards.create_device(s, f"extra-dev-{n}", "hill")[0].id),
        "new_camera_seeing_17": make(camera),
        "new_customer": make(lambda s, n: people.create_user(s, f"extra-{n}", Role.CUSTOMER).id),
        "new_claim_of_ana": make(claim),
        "new_token_of_ana": make(lambda s, n: tokens.create_api_token(s, people.find_user(s, "ana"), "x")[0].id),
        "new_channel": make(lambda s, n: add_channel(s, "hill", "webhook", f"http://127.0.0.1:9/hook-{n}").id),
        "new_share_of_ana": make(lambda s, n: shares.create_share(s, s.get(Claim, ids["claim_ana"]))[0].id),
        "share_token_of_ana": make(lambda s, n: shares.create_share(s, s.get(Claim, ids["claim_ana"]))[1]),
        "revoked_share_token": make(revoked_share),
        "reset_token": make(lambda s, n: invitations.issue_link(
            s, people.create_user(s, f"reset-{n}", Role.CUSTOMER, password=PASSWORD), "reset")[1]),
    }


def test_every_persona_gets_the_status_the_table_says(start_api):
    server = start_api()
    IDS.clear()
    IDS.update(server.ids(), **add_picking(server.sessions, server.settings.data_dir))
    IDS.update(add_care_log(server))
    authz_picking.IDS.update(IDS)
    FRESH.update(fresh_rows(server))
    FRESH.update(authz_picking.fresh_rows(server))
    mismatches = run_table(server.url, TABLE, server.personas(), {**IDS, **FRESH})
    assert not mismatches, f"{len(mismatches)} requests disagree with the table:\n" + "\n".join(mismatches)


def test_every_route_of_the_app_is_in_the_table(api):
    missing = uncovered_routes(api.app, TABLE)
    assert not missing, "add these routes to TABLE in tests/api/test_authorization.py: " + ", ".join(missing)


LISTS = {  # what each list shows each persona; labels of trees, ids or order refs otherwise
    "/api/trees": ("label", {"customer_active": {"17"}, "customer_expired": set(), "customer_other_tree": {"18"},
                             "farmer_other_farm": {"5"}, "farmer_this_farm": {"17", "18"}, "admin": {"17", "18", "5"}}),
    "/api/farms": ("id", {"customer_active": set(), "customer_expired": set(), "customer_other_tree": set(),
                          "farmer_other_farm": {"valley"}, "farmer_this_farm": {"hill"}, "admin": {"hill", "valley"}}),
    "/api/cameras": ("id", {"customer_active": {"cam-17"}, "customer_expired": set(), "customer_other_tree": {"cam-18"},
                            "farmer_other_farm": {"cam-v"}, "farmer_this_farm": {"cam-17", "cam-18"},
                            "admin": {"cam-17", "cam-18", "cam-v"}}),
    "/api/claims": ("order_ref", {"customer_active": {"A-1"}, "customer_expired": {"B-1"},
                                  "customer_other_tree": {"C-1"}, "farmer_other_farm": set(),
                                  "farmer_this_farm": {"A-1", "B-1", "C-1"}, "admin": {"A-1", "B-1", "C-1"}}),
    "/api/devices": ("id", {"customer_active": set(), "customer_expired": set(), "customer_other_tree": set(),
                            "farmer_other_farm": {"valley-1"}, "farmer_this_farm": {"hill-1", "hill-2"},
                            "admin": {"hill-1", "hill-2", "valley-1"}}),
    "/api/plots": ("name", {"customer_active": set(), "customer_expired": set(), "customer_other_tree": set(),
                            "farmer_other_farm": set(), "farmer_this_farm": {"north"}, "admin": {"north"}}),
    "/api/users": ("username", {"customer_active": {"ana"}, "customer_expired": {"bo"}, "customer_other_tree": {"cy"},
                                "farmer_other_farm": {"farmer-valley"},
                                "farmer_this_farm": {"farmer-hill", "ana", "bo", "cy"},
                                "admin": {"admin", "farmer-hill", "farmer-valley", "ana", "bo", "cy"}}),
}


def test_lists_show_each_persona_only_what_it_may_see(api):
    clients = api.personas()
    wrong = []
    for path, (field, expected) in LISTS.items():
        for persona, want in expected.items():
            got = {str(row[field]) for row in clients[persona].get(path).json()}
            if got != want:
                wrong.append(f"{path} as {persona}: expected {sorted(want)}, got {sorted(got)}")
    assert not wrong, "\n".join(wrong)


def test_a_customer_sees_only_the_trees_a_camera_shows_them(api):
    camera = api.client("customer_active").get("/api/cameras/cam-17").json()
    assert camera["tree_ids"] == [api.world.trees["17"]]
