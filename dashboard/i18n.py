"""Words on screen, from message catalogs: `locales/<lang>/<area>.json`, keys `<area>.<key>`.

The language is the `orchard_lang` cookie (set by the switch) or else the best match in
Accept-Language (any `zh` tag, such as zh-CN, zh-Hans or zh-Hans-CN, means Chinese); English otherwise.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

from dashboard import request_context

log = logging.getLogger(__name__)

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"
LANG_COOKIE = "orchard_lang"
LANG_COOKIE_MAX_AGE_S = 400 * 86400
PLOTLY_LOCALE = {"en": "en", "zh-CN": "zh-CN"}


def _flatten(prefix: str, tree: dict, into: dict[str, str]) -> None:
    for key, value in tree.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, into)
        else:
            into[name] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every message of a language, by key (`common.login.title`)."""
    messages: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.json")):
        _flatten(path.stem, json.loads(path.read_text(encoding="utf-8")), messages)
    return messages


def supported(code: str | None) -> str | None:
    """The language of ours a BCP-47 tag means, or None."""
    if not code:
        return None
    tag = code.strip().replace("_", "-").lower()
    if tag == "zh" or tag.startswith("zh-"):
        return "zh-CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an Accept-Language header, by its q-values; English if none fits."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = supported(tag)
        if lang and quality > 0:
            choices.append((-quality, position, lang))
    return min(choices)[2] if choices else DEFAULT


def current() -> str:
    """The language of the request being served."""
    chosen = supported(request_context.cookies().get(LANG_COOKIE))
    return chosen or negotiate(request_context.headers().get("accept-language"))


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message `key` in `lang` (the request's language if None), with `{name}` fields filled in."""
    lang = lang or current()
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(DEFAULT).get(key)
        log.warning("no message %r in %s", key, lang)
        if text is None:
            return key
    return text.format(**values) if values else text


def plotly_config(lang: str | None = None, **config: object) -> dict:
    """A dcc.Graph config in the viewer's language: Plotly's own zh-CN strings and date formats included."""
    lang = lang or current()
    config = {"displaylogo": False, "locale": PLOTLY_LOCALE[lang], **config}
    if lang != "en":
        config["locales"] = {PLOTLY_LOCALE[lang]: plotly_locale(lang)}
    return config


@cache
def plotly_locale(lang: str) -> dict:
    """Plotly's locale module (dictionary and formats) for `lang`, vendored in locales/<lang>/plotly/."""
    return json.loads((LOCALES / lang / "plotly" / "locale.json").read_text(encoding="utf-8"))


def page_title(**_path_variables) -> str:
    """The browser tab's title, in the viewer's language (Dash calls it with the page's path variables)."""
    return t("common.app_name")
