"""The frame around every page: header (who, language switch, log out), navigation by role, session watch."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html, no_update

from dashboard import guard, i18n, ids, paths
from dashboard.i18n import t
from orchard.auth.policy import Viewer
from orchard.registry.models import Role

THEME = {
    "primaryColor": "green",
    # System fonts only: nothing is fetched from a font CDN, and Chinese falls back to the phone's own.
    "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, 'PingFang SC', 'Hiragino Sans GB', "
                  "'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif",
}
SESSION_CHECK_MS = 60_000

# (path, message key) per role: what the navigation offers.
NAVIGATION = {
    Role.ADMIN.value: [(paths.FARM, "common.nav.overview"), (paths.CHARTS, "common.nav.charts"),
                      (paths.DEVICES, "common.nav.devices"), (paths.CAMERA_WALL, "common.nav.cameras"),
                      (paths.CLAIMS, "common.nav.claims"), (paths.CARE, "common.nav.care")],
    Role.CUSTOMER.value: [(paths.MY_TREE, "common.nav.my_tree")],
}
NAVIGATION[Role.FARMER.value] = NAVIGATION[Role.ADMIN.value]


def layout() -> dmc.MantineProvider:
    """The app layout, built per page load in the viewer's language (the page itself comes from the router)."""
    lang = i18n.current()
    viewer = guard.current_viewer()
    return dmc.MantineProvider(theme=THEME, children=html.Div([
        header(viewer, lang),
        html.Main(dash.page_container, className="orchard-main"),
        dcc.Interval(id=ids.SESSION_WATCH, interval=SESSION_CHECK_MS),
        dcc.Location(id=ids.SESSION_REDIRECT, refresh=True),
    ], className="orchard-shell", lang=lang))


def header(viewer: Viewer | None, lang: str) -> html.Header:
    switch = dmc.Group([
        html.A(name, href=f"{paths.LANGUAGE}/{code}", lang=code, id=f"lang-{code}",
               className="orchard-lang" + (" active" if lang == code else ""))
        for code, name in (("zh-CN", "中文"), ("en", "EN"))
    ], gap=6)
    right = [switch]
    if viewer is not None:
        right += [
            dmc.Text(viewer.name, size="sm", className="orchard-user", id="shell-user"),
            html.Form(dmc.Button(t("common.logout", lang), buttonProps={"type": "submit"}, size="compact-sm",
                                 variant="light", id="shell-logout"),
                      action=paths.LOGOUT_POST, method="POST", className="orchard-logout"),
        ]
    top = html.Div([
        dcc.Link(t("common.app_name", lang), href=paths.HOME, className="orchard-brand"),
        dmc.Group(right, gap="sm", wrap="nowrap"),
    ], className="orchard-header-top")
    links = [dcc.Link(t(key, lang), href=path, className="orchard-nav-link", id=f"nav-{path.strip('/')}")
             for path, key in NAVIGATION.get(viewer.role, []) ] if viewer else []
    nav = html.Nav(links, className="orchard-nav", id=ids.SHELL_NAV) if links else None
    return html.Header([top, nav], className="orchard-header", id=ids.SHELL_HEADER)


def _to_login(_tick, pathname):
    """A page left open after its session ended goes to the login page (not the login page itself)."""
    if not pathname or pathname == paths.LOGIN:
        return no_update
    return f"{paths.LOGIN}?next={pathname}"


@dash.callback(Output(ids.SESSION_REDIRECT, "href"), Input(ids.SESSION_WATCH, "n_intervals"),
               State("_pages_location", "pathname"), prevent_initial_call=True)
@guard.guarded(anonymous=_to_login)
def session_watch(viewer: Viewer, _tick, _pathname):
    return no_update
