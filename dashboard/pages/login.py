"""The login page: a plain form posting to dashboard.login (no callback sees the password)."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from dashboard import i18n, ids, paths
from dashboard.i18n import t

ERRORS = {"wrong": "common.login.wrong", "throttled": "common.login.throttled"}


def layout(error: str | None = None, next: str | None = None, **_query) -> html.Div:
    lang = i18n.current()
    message = ERRORS.get(error or "")
    return html.Div(dmc.Paper([
        dmc.Title(t("common.login.title", lang), order=2),
        dmc.Text(t("common.login.intro", lang), c="dimmed", size="sm"),
        dmc.Alert(t(message, lang), color="red", id=ids.LOGIN_ERROR) if message else None,
        html.Form([
            dmc.TextInput(label=t("common.login.username", lang), name="username", id="login-username",
                          required=True, autoComplete="username"),
            dmc.PasswordInput(label=t("common.login.password", lang), name="password", id="login-password",
                              required=True, autoComplete="current-password"),
            dcc.Input(type="hidden", name="next", value=paths.local_target(next), id="login-next"),
            dmc.Button(t("common.login.submit", lang), buttonProps={"type": "submit"}, id="login-submit",
                       fullWidth=True),
        ], action=paths.LOGIN_POST, method="POST", id=ids.LOGIN_FORM, className="orchard-login-form"),
    ], withBorder=True, p="lg", radius="md", className="orchard-login"), className="orchard-center")


dash.register_page(__name__, path=paths.LOGIN, title=i18n.page_title, layout=layout)
