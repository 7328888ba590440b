"""/invite/<token> and /reset/<token>: a person sets their password with a single-use link."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dashboard import i18n, paths, services
from dashboard.public.frame import ended, language, page
from orchard.auth.account_links import link_holder, set_password_with_link
from orchard.errors import Invalid, NotFound, TooMany
from orchard.public_links import INVITE, RESET
from orchard.registry.invitations import PASSWORD_MAX, PASSWORD_MIN, LinkEnded, LinkPurpose

router = APIRouter()


def _address(request: Request) -> str:
    return request.client.host if request.client else ""  # the real one: ORCHARD_TRUSTED_PROXIES


def _form(lang: str, purpose: LinkPurpose, token: str, username: str, error: str | None = None,
          status: int = 200) -> HTMLResponse:
    title = i18n.t(f"share.account.{purpose}_title", lang)
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    action = (INVITE if purpose == LinkPurpose.INVITE else RESET) + token
    body = (f'<section class="card"><h1>{escape(title)}</h1>'
            f'<p>{escape(i18n.t("share.account.for", lang, username=username))}</p>{problem}'
            f'<form method="post" action="{escape(action)}">'
            f'<label for="password">{escape(i18n.t("share.account.password", lang))}</label>'
            f'<input id="password" name="password" type="password" autocomplete="new-password" required '
            f'minlength="{PASSWORD_MIN}" maxlength="{PASSWORD_MAX}">'
            f'<label for="again">{escape(i18n.t("share.account.again", lang))}</label>'
            f'<input id="again" name="again" type="password" autocomplete="new-password" required '
            f'minlength="{PASSWORD_MIN}" maxlength="{PASSWORD_MAX}">'
            f'<p class="muted">{escape(i18n.t("share.account.rule", lang, n=PASSWORD_MIN))}</p>'
            f'<button type="submit">{escape(i18n.t("share.account.submit", lang))}</button></form></section>')
    return page(lang, title, body, status=status)


def _refused(lang: str, exc: Exception) -> HTMLResponse:
    if isinstance(exc, TooMany):
        title = i18n.t("share.account.throttled", lang)
        return page(lang, title, f'<section class="card"><h1>{escape(title)}</h1></section>', status=429)
    return ended(lang, 410 if isinstance(exc, LinkEnded) else 404, "account")


async def _show(request: Request, token: str, purpose: LinkPurpose) -> HTMLResponse:
    lang, svc = language(request), services.get()
    try:
        username = await run_in_threadpool(link_holder, svc.sessions, svc.policy.throttle, token, purpose,
                                           _address(request))
    except (NotFound, TooMany) as exc:
        return _refused(lang, exc)
    return _form(lang, purpose, token, username)


async def _set(request: Request, token: str, purpose: LinkPurpose, password: str, again: str) -> HTMLResponse:
    lang, svc = language(request), services.get()
    try:
        username = await run_in_threadpool(link_holder, svc.sessions, svc.policy.throttle, token, purpose,
                                           _address(request))
        if password != again:
            return _form(lang, purpose, token, username, i18n.t("share.account.mismatch", lang), 422)
        await run_in_threadpool(set_password_with_link, svc.sessions, svc.policy.throttle, token, purpose,
                                password, _address(request))
    except Invalid:
        return _form(lang, purpose, token, username, i18n.t("share.account.rule", lang, n=PASSWORD_MIN), 422)
    except (NotFound, TooMany) as exc:
        return _refused(lang, exc)
    svc.policy.forget()
    title = i18n.t("share.account.done_title", lang)
    body = (f'<section class="card"><h1>{escape(title)}</h1>'
            f'<p>{escape(i18n.t("share.account.done", lang, username=username))}</p>'
            f'<p><a id="to-login" href="{paths.LOGIN}">{escape(i18n.t("share.account.to_login", lang))}</a></p>'
            "</section>")
    return page(lang, title, body)


Password = Annotated[str, Form(max_length=PASSWORD_MAX)]


@router.get(INVITE + "{token}", include_in_schema=False)
async def invitation(token: str, request: Request) -> HTMLResponse:
    return await _show(request, token, LinkPurpose.INVITE)


@router.post(INVITE + "{token}", include_in_schema=False)
async def accept_invitation(token: str, request: Request, password: Password = "", again: Password = "") \
        -> HTMLResponse:
    return await _set(request, token, LinkPurpose.INVITE, password, again)


@router.get(RESET + "{token}", include_in_schema=False)
async def reset(token: str, request: Request) -> HTMLResponse:
    return await _show(request, token, LinkPurpose.RESET)


@router.post(RESET + "{token}", include_in_schema=False)
async def accept_reset(token: str, request: Request, password: Password = "", again: Password = "") -> HTMLResponse:
    return await _set(request, token, LinkPurpose.RESET, password, again)
