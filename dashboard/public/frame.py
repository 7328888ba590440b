"""The frame of a public page: language, head (title, Open Graph), a phone-first style, the language switch."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse

from dashboard import i18n, paths

STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f6f8f4;
color:#1d2b1f;line-height:1.5}
main{max-width:720px;margin:0 auto;padding:16px}
header{display:flex;justify-content:space-between;align-items:center;gap:8px;padding:12px 16px;background:#2f6b3a;
color:#fff}
header a{color:#fff;margin-left:10px}
.card{background:#fff;border-radius:12px;padding:16px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin:.2rem 0}
h2{font-size:1.1rem;margin:.2rem 0 .6rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0}
dt{color:#5b6b5d}
dd{margin:0}
video,img.cover{width:100%;border-radius:8px;background:#dfe6dc}
label{display:block;margin:12px 0 4px}
input[type=password]{width:100%;box-sizing:border-box;font-size:1rem;padding:10px;border:1px solid #b8c4b9;
border-radius:8px}
button{margin-top:16px;width:100%;font-size:1rem;padding:12px;border:0;border-radius:8px;background:#2f6b3a;
color:#fff}
.error{color:#a4262c}
.muted{color:#5b6b5d;font-size:.9rem}
ul.care{padding-left:1.2rem}
"""


def language(request: Request) -> str:
    """The viewer's language: the switch's cookie, else Accept-Language (as the dashboard's pages)."""
    return i18n.supported(request.cookies.get(i18n.LANG_COOKIE)) or i18n.negotiate(
        request.headers.get("accept-language"))


def page(lang: str, title: str, body: str, *, status: int = 200, meta: dict[str, str] | None = None) -> HTMLResponse:
    """A whole page; `body` is HTML built with `escape`d values, `meta` Open Graph properties."""
    tags = "".join(f'<meta property="{escape(key)}" content="{escape(value)}">' for key, value in
                   (meta or {}).items())
    switch = " ".join(f'<a href="{paths.LANGUAGE}/{code}" lang="{code}">{escape(i18n.t(f"share.lang.{code}", lang))}'
                      "</a>" for code in i18n.LANGUAGES if code != lang)
    html = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{escape(title)}</title>{tags}'
            f"<style>{STYLE}</style></head><body><header><strong>{escape(i18n.t('common.app_name', lang))}"
            f"</strong><nav>{switch}</nav></header><main>{body}</main></body></html>")
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store",
                                                           "X-Robots-Tag": "noindex"})


def ended(lang: str, status: int, what: str = "share") -> HTMLResponse:
    """The friendly page of a link that is unknown (404) or has ended (410)."""
    title = i18n.t(f"share.ended.{what}_title", lang)
    body = (f'<section class="card"><h1>{escape(title)}</h1><p>{escape(i18n.t(f"share.ended.{what}", lang))}</p>'
            f'<p><a href="{paths.HOME}">{escape(i18n.t("share.ended.home", lang))}</a></p></section>')
    return page(lang, title, body, status=status)
