"""/api/docs: Swagger UI served from the swagger-ui-bundle-v2 package, never from a CDN, under a strict CSP."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

# Only our own files run; Swagger UI's icons are data: SVGs (tests/api/test_docs.py watches for violations).
DOCS_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{docs}/init.js"></script>
</body>
</html>
"""


def add_docs(app: FastAPI, docs_url: str, openapi_url: str) -> None:
    """Serve Swagger UI at `docs_url` with its files under `docs_url`/assets and a script of our own to start it."""
    assets = f"{docs_url}/assets"
    page = PAGE.format(title=f"{app.title} - docs", assets=assets, docs=docs_url)
    # validatorUrl null: Swagger UI would otherwise send the schema to a public validator.
    options = json.dumps({"url": openapi_url, "dom_id": "#swagger-ui", "validatorUrl": None, "deepLinking": True,
                          "persistAuthorization": False, "layout": "BaseLayout"})
    init = f"window.ui = SwaggerUIBundle({options});\n"
    headers = {"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-cache"}

    @app.get(docs_url, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    @app.get(f"{docs_url}/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(init, media_type="text/javascript", headers=headers)

    app.mount(assets, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
