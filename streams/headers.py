"""Security headers on every relay answer, added as the response starts (a plain ASGI middleware: cheap).

Images, MJPEG and JSON need no script, style or frame, so the policy allows nothing,
lets only the same origin frame them, and sandboxes a document opened directly. The
Referrer-Policy keeps `?token=` URLs out of other sites' logs. FastAPI's /docs and
/redoc load Swagger UI and ReDoc from a CDN, so they get no CSP.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'self'; sandbox"),
    (b"referrer-policy", b"no-referrer"),
]
WITHOUT_CSP = [header for header in SECURITY_HEADERS if header[0] != b"content-security-policy"]
DOC_PAGES = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = WITHOUT_CSP if scope["path"].startswith(DOC_PAGES) else SECURITY_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
