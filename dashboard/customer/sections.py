"""The parts of "My tree" as Dash components: built from one TreeClaim, words from the catalog."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, paths
from dashboard.customer.claims import ClaimState, TreeClaim
from dashboard.customer.conditions import Phrase, TimeParam
from dashboard.i18n import t
from dashboard.timefmt import day, local, when

GALLERY_DAYS = 8  # one snapshot a day for the last week or so: a handful of small requests on a phone
MIDDAY = (11, 14)  # a day's picture is the first one from this local window: daylight, leaves in sun


def my_tree_link(claim: TreeClaim) -> str:
    return f"{paths.MY_TREE}?claim={claim.claim_id}"


def tree_switch(claims: Sequence[TreeClaim], current: TreeClaim, lang: str) -> html.Nav | None:
    """Links between the customer's trees; nothing when there is only one."""
    if len(claims) < 2:
        return None
    chips = []
    for claim in claims:
        key = {ClaimState.ENDED: "customer.switch.option_ended",
               ClaimState.NOT_STARTED: "customer.switch.option_not_started"}.get(claim.state,
                                                                                 "customer.switch.option")
        text = t(key, lang, label=claim.tree_label, farm=claim.farm_name,
                 date=day(claim.starts_at, claim.timezone, lang))
        chosen = claim.claim_id == current.claim_id
        chips.append(dcc.Link(text, href=my_tree_link(claim), id=ids.my_tree_switch(claim.claim_id),
                              className="my-tree__chip" + (" my-tree__chip--current" if chosen else "")))
    label: dict[str, Any] = {"aria-label": t("customer.switch.label", lang)}
    return html.Nav(chips, className="my-tree__switch", **label)


def message(kind: str, lang: str, **values: object) -> html.Section:
    """A friendly sentence in place of what cannot be shown (no tree, not started, ended, no data)."""
    state: dict[str, Any] = {"data-state": kind}
    return html.Section([
        html.H2(t(f"customer.state.{kind}.title", lang)),
        html.P(t(f"customer.state.{kind}.body", lang, **values)),
    ], className="my-tree__section my-tree__message my-tree__wide", id=ids.MY_TREE_MESSAGE, **state)


def state_message(claim: TreeClaim, lang: str) -> html.Section:
    if claim.state == ClaimState.NOT_STARTED:
        return message("not_started", lang, label=claim.tree_label, n=claim.days_until_start,
                       date=day(claim.starts_at, claim.timezone, lang))
    if claim.state == ClaimState.ENDED:
        last_day = claim.ends_at - timedelta(microseconds=1)  # ends_at is excluded: the day before it if at midnight
        return message("ended", lang, label=claim.tree_label, date=day(last_day, claim.timezone, lang))
    return message("no_data", lang, label=claim.tree_label)


def days_left(claim: TreeClaim, lang: str) -> str:
    if claim.days_left is None:
        return ""
    if claim.days_left <= 1:
        return t("customer.card.last_day", lang)
    return t("customer.card.days_left", lang, n=claim.days_left)


def tree_card(claim: TreeClaim, lang: str) -> html.Section:
    unknown = t("customer.card.unknown", lang)
    last_day = claim.ends_at - timedelta(microseconds=1)
    rows = [
        ("customer.card.variety", claim.variety or unknown),
        ("customer.card.planted", day(claim.planted_on, claim.timezone, lang) if claim.planted_on else unknown),
        ("customer.card.farm", claim.farm_name),
        ("customer.card.village", claim.location or unknown),
        ("customer.card.season", t("customer.card.season_dates", lang,
                                   start=day(claim.starts_at, claim.timezone, lang),
                                   end=day(last_day, claim.timezone, lang))),
    ]
    items = []
    for key, value in rows:
        items += [html.Dt(t(key, lang)), html.Dd(value)]
    return html.Section([
        html.H2(t("customer.card.title", lang, label=claim.tree_label)),
        html.Dl(items),
        html.P(days_left(claim, lang), className="my-tree__days", id=ids.MY_TREE_DAYS_LEFT),
    ], className="my-tree__section my-tree__card", id=ids.MY_TREE_CARD)


def sentence(phrases: Sequence[Phrase], tz: str, lang: str) -> str:
    """Phrases joined as one line: "soil is moist · 18 °C · light rain this morning"."""
    def words(phrase: Phrase) -> str:
        params = {k: when(v, tz, lang) if isinstance(v, TimeParam) else v for k, v in phrase.params.items()}
        return t(phrase.key, lang, **params)

    text = t("customer.conditions.separator", lang).join(words(p) for p in phrases)
    return text[:1].upper() + text[1:]


def today(phrases: Sequence[Phrase], tz: str, lang: str) -> html.Section:
    return html.Section([
        html.H2(t("customer.today.title", lang)),
        html.P(sentence(phrases, tz, lang), className="my-tree__today", id=ids.MY_TREE_TODAY),
    ], className="my-tree__section")


def camera_attributes(base: str, camera: str, token: str) -> dict[str, str]:
    return {"data-mjpeg": f"{base}/{camera}/stream.mjpg?token={token}",
            "data-latest": f"{base}/{camera}/latest.jpg?token={token}"}


def camera(claim: TreeClaim, base: str, token: str | None, lang: str) -> html.Section:
    """The live camera: an empty box that assets/camera.js fills (MJPEG or polled latest.jpg)."""
    body: Component
    if not claim.cameras or token is None:
        body = html.P(t("customer.camera.none", lang))
    else:
        words = {key: t(f"customer.camera.{key}", lang)
                 for key in ("live", "age_s", "age_min", "age_h", "paused", "offline", "waiting")}
        attributes: dict[str, Any] = {
            **camera_attributes(base, claim.cameras[0], token),
            "data-words": json.dumps(words, ensure_ascii=False),
            "data-alt": t("customer.camera.alt", lang, label=claim.tree_label),
        }
        body = html.Div(id=ids.MY_TREE_CAMERA, className="orchard-camera", **attributes)
    return html.Section([html.H2(t("customer.camera.title", lang)), body],
                        className="my-tree__section my-tree__camera")


def _hour_end(moment: datetime) -> int:
    ms = int(moment.timestamp() * 1000)
    return ms - ms % 3_600_000  # whole hours: the relay caches one video per range, so ranges repeat


def timelapse(claim: TreeClaim, base: str, token: str | None, now: datetime, lang: str) -> html.Section:
    """The season so far as an H.264 video from the relay; fetched only when played (preload=none)."""
    title = html.H2(t("customer.timelapse.title", lang))
    src = timelapse_src(claim, base, token, now)
    if src is None:
        return html.Section([title, html.P(t("customer.timelapse.none", lang))], className="my-tree__section")
    fresh: dict[str, Any] = {"data-src": src}  # my_tree refreshes data-src with each new token
    video = html.Video(src=src, controls=True, preload="none", id=ids.MY_TREE_TIMELAPSE, playsInline=True, **fresh)
    return html.Section([title, video], className="my-tree__section")


def timelapse_src(claim: TreeClaim, base: str, token: str | None, now: datetime) -> str | None:
    if not claim.cameras or token is None or claim.window is None:
        return None
    start = int(claim.window.start.timestamp() * 1000)
    end = max(start + 1, _hour_end(min(now, claim.window.end)))
    return f"{base}/{claim.cameras[0]}/timelapse.mp4?token={token}&start={start}&end={end}"


def gallery_list(base: str, camera: str, token: str) -> str:
    return f"{base}/{camera}/snapshots?token={token}"


def gallery_windows(claim: TreeClaim, now: datetime, days: int = GALLERY_DAYS) -> list[list[int]]:
    """Midday spans [start_ms, end_ms) of the claim's last days, in the farm's time zone, oldest first."""
    if claim.window is None:
        return []
    today_local = local(now, claim.timezone)
    spans = []
    for back in range(days - 1, -1, -1):
        noon = (today_local - timedelta(days=back)).replace(hour=MIDDAY[0], minute=0, second=0, microsecond=0)
        start, end = noon, noon.replace(hour=MIDDAY[1])
        start, end = max(start, claim.window.start), min(end, claim.window.end, now)
        if start < end:
            spans.append([int(start.timestamp() * 1000), int(end.timestamp() * 1000)])
    return spans


def gallery(claim: TreeClaim, base: str, token: str | None, now: datetime, lang: str) -> html.Section:
    """A snapshot a day from the archive; assets/gallery.js asks the relay (which clips to the claim again)."""
    title = html.H2(t("customer.gallery.title", lang))
    windows = gallery_windows(claim, now)
    if not claim.cameras or token is None or not windows:
        return html.Section([title, html.P(t("customer.gallery.none", lang))], className="my-tree__section")
    attributes: dict[str, Any] = {
        "data-list": gallery_list(base, claim.cameras[0], token),
        "data-token": token, "data-windows": json.dumps(windows), "data-tz": claim.timezone,
        "data-lang": lang, "data-empty": t("customer.gallery.none", lang),
        "data-unreachable": t("customer.gallery.unreachable", lang),
    }
    body = html.Div(className="orchard-gallery", id=ids.MY_TREE_GALLERY, **attributes)
    return html.Section([title, body], className="my-tree__section")
