"""/share/<token>: "your tree this year" for anyone with the link — the tree card, the season's timelapse
and the care log; never the live camera, the tree's exact place, or who claimed it.

The timelapse and the preview picture go through this app (/share/<token>/timelapse.mp4, picture.jpg),
which checks the link on every request and sends the browser on to the relay with an archive-only camera
token for the claim's dates (orchard.auth.policy.share_camera_token).
"""

from __future__ import annotations

import time
from html import escape
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from dashboard import i18n, services
from dashboard.public.frame import ended, language, page
from orchard.care.visible import claim_care_log
from orchard.errors import NotFound
from orchard.public_links import SHARE, public_link
from orchard.registry.invitations import LinkEnded
from orchard.registry.shares import open_share
from orchard.share_card import ShareCard, share_card

router = APIRouter()

TIMELAPSE_FPS = 5  # a season of one frame a day: about 50 s


def _open(token: str) -> tuple[ShareCard, list[tuple[str, str, str, str]]]:
    svc = services.get()
    with svc.reading() as session:
        link = open_share(session, token)
        return share_card(link), care_entries(session, link.claim)


def care_entries(session, claim) -> list[tuple[str, str, str, str]]:
    """The claim's care log as its customer sees it (orchard.care.visible), as (day, kind, material, notes),
    newest first: the same entries, nothing about who holds the claim."""
    zone = ZoneInfo(claim.tree.farm.timezone)
    rows = []
    for entry in sorted(claim_care_log(session, claim), key=lambda e: (e.event_at, e.id), reverse=True):
        latest = entry.revisions[-1] if entry.revisions else None
        rows.append((entry.event_at.astimezone(zone).date().isoformat(), str(entry.kind),
                     (latest.material or "") if latest is not None else "", latest.notes if latest else ""))
    return rows


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def _relay(card: ShareCard, what: str, query: dict[str, object]) -> Response:
    """A redirect to the relay's `what` of the tree's first camera, with an archive-only token."""
    if not card.camera_ids:
        raise NotFound("no camera sees this tree")
    svc = services.get()
    camera = card.camera_ids[0]
    token = svc.policy.share_camera_token([camera], card.starts_at, card.ends_at)
    params = "&".join(f"{key}={value}" for key, value in {**query, "token": token}.items())
    response = RedirectResponse(f"{svc.camera_url(camera, what)}?{params}", status_code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _card_or_end(request: Request, token: str) -> tuple[ShareCard | None, object, Response | None]:
    try:
        card, care = await run_in_threadpool(_open, token)
    except LinkEnded:
        return None, None, ended(language(request), 410)
    except NotFound:
        return None, None, ended(language(request), 404)
    return card, care, None


@router.get(SHARE + "{token}", include_in_schema=False)
async def shared_tree(token: str, request: Request) -> Response:
    card, care, refusal = await _card_or_end(request, token)
    if refusal is not None or card is None:
        return refusal or ended(language(request), 404)
    lang = language(request)
    base = services.get().public_url or str(request.base_url).rstrip("/")
    title = i18n.t("share.page.title", lang, tree=card.tree_label, farm=card.farm_name)
    season = i18n.t("share.page.season_dates", lang, start=card.season_start.isoformat(),
                    end=card.season_end.isoformat())
    about = ", ".join(filter(None, (card.variety, season)))
    meta = {"og:type": "website", "og:title": title, "og:description": about,
            "og:image": public_link(base, f"{SHARE}{token}/picture.jpg"),
            "og:url": public_link(base, f"{SHARE}{token}"), "og:site_name": i18n.t("common.app_name", lang)}
    return page(lang, title, _body(lang, token, card, care, season), meta=meta)


def _body(lang: str, token: str, card: ShareCard, care, season: str) -> str:
    facts = [("farm", card.farm_name), ("tree", card.tree_label), ("variety", card.variety),
             ("plot", card.plot), ("planted", card.planted_on.isoformat() if card.planted_on else None),
             ("season", season)]
    rows = "".join(f"<dt>{escape(i18n.t(f'share.page.{key}', lang))}</dt><dd>{escape(value)}</dd>"
                   for key, value in facts if value)
    video = (f'<video id="share-timelapse" controls playsinline muted preload="metadata" '
             f'poster="{SHARE}{escape(token)}/picture.jpg" src="{SHARE}{escape(token)}/timelapse.mp4"></video>'
             f'<p class="muted">{escape(i18n.t("share.page.timelapse_hint", lang, hour=card.frame_hour))}</p>'
             if card.camera_ids else f'<p class="muted">{escape(i18n.t("share.page.no_camera", lang))}</p>')
    sections = [f'<section class="card" id="share-card"><h1>{escape(i18n.t("share.page.heading", lang))}</h1>'
                f"<dl>{rows}</dl></section>",
                f'<section class="card"><h2>{escape(i18n.t("share.page.timelapse", lang))}</h2>{video}</section>']
    items = "".join(f"<li><strong>{escape(day)}</strong> {escape(i18n.t(f'care.kind.{kind}', lang))}"
                    + (f" · {escape(material)}" if material else "") + (f" — {escape(notes)}" if notes else "")
                    + "</li>" for day, kind, material, notes in care)
    empty = f'<p class="muted">{escape(i18n.t("share.page.care_empty", lang))}</p>'
    sections.append(f'<section class="card" id="share-care"><h2>{escape(i18n.t("share.page.care", lang))}'
                    f'</h2>{f"<ul class=care>{items}</ul>" if items else empty}</section>')
    sections.append(f'<p class="muted">{escape(i18n.t("share.page.footer", lang, day=card.expires_at.date()))}</p>')
    return "".join(sections)


@router.get(SHARE + "{token}/timelapse.mp4", include_in_schema=False)
async def shared_timelapse(token: str, request: Request) -> Response:
    """The season so far, one frame a day at the link's hour (the relay builds and caches it)."""
    card, _, refusal = await _card_or_end(request, token)
    if refusal is not None or card is None:
        return refusal or ended(language(request), 404)
    end_ms = min(_ms(card.ends_at), int(time.time() * 1000))
    return _relay(card, "timelapse.mp4", {"start": _ms(card.starts_at), "end": end_ms,
                                          "daily_at": card.frame_hour, "fps": TIMELAPSE_FPS})


@router.get(SHARE + "{token}/picture.jpg", include_in_schema=False)
async def shared_picture(token: str, request: Request) -> Response:
    """The newest snapshot of the claim's dates: the link's preview picture (og:image) and the video's poster."""
    card, _, refusal = await _card_or_end(request, token)
    if refusal is not None or card is None:
        return refusal or ended(language(request), 404)
    return _relay(card, "snapshots/newest.jpg", {})
