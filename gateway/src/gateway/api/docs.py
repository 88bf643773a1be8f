"""``/docs``: Swagger UI from the assets ``swagger_ui_bundle`` ships (no CDN)."""

from __future__ import annotations

from flask import Flask, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import NotFound

ASSETS = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-16x16.png",
        "favicon-32x32.png",
        "oauth2-redirect.html",
    }
)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Secretariat API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
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
  url: "/docs/openapi-3.0.json",
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
        if name not in ASSETS:
            raise NotFound()
        return send_from_directory(swagger_ui_path, name, max_age=86400)
