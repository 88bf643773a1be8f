"""``gunicorn 'web.wsgi:create()'``"""

from __future__ import annotations

from flask import Flask

from web.app import create_app


def create() -> Flask:
    return create_app()
