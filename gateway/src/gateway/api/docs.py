"""``/docs``: Swagger UI 5 (it reads OpenAPI 3.1) from the assets the
``flask-openapi3-swagger`` package ships; nothing is fetched from a CDN."""

from __future__ import annotations

from pathlib import Path

import flask_openapi3_swagger
from flask import Flask, Response, send_from_directory
from werkzeug.exceptions import NotFound

ASSETS_ROOT = Path(flask_openapi3_swagger.__file__).parent / "templates" / "swagger"
ASSETS = {
    "swagger-ui.css": "css",
    "swagger-ui-bundle.js": "js",
    "swagger-ui-standalone-preset.js": "js",
    "swagger.svg": "images",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Secretariat API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/svg+xml" href="/docs/assets/swagger.svg">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
"""

# A file rather than an inline script, so the page's CSP allows scripts from 'self' only.
INIT_SCRIPT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
});
"""


def install_docs(app: Flask) -> None:
    @app.get("/docs")
    def docs_page() -> Response:
        return Response(PAGE, mimetype="text/html")

    @app.get("/docs/assets/<name>")
    def docs_asset(name: str) -> Response:
        if name == "init.js":
            return Response(INIT_SCRIPT, mimetype="text/javascript")
        folder = ASSETS.get(name)
        if folder is None:
            raise NotFound()
        return send_from_directory(ASSETS_ROOT / folder, name, max_age=86400)
