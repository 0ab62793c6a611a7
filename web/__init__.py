"""Flask app factory: the web app reads what the sampler writes."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from web import db as web_db
from web.formatting import init_app as init_formatting


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``DATABASE_URL`` comes from ``test_config`` or ``DESKAUDIT_DATABASE_URL``."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DESKAUDIT_DATABASE_URL"),
        SECRET_KEY=os.environ.get("DESKAUDIT_SECRET_KEY") or os.urandom(32),
        JSON_AS_ASCII=False,
        TIMEZONE="Asia/Ho_Chi_Minh",
    )
    if test_config:
        app.config.update(test_config)
    if not app.config["DATABASE_URL"]:
        raise RuntimeError("DATABASE_URL is not set (DESKAUDIT_DATABASE_URL)")

    web_db.init_app(app)
    init_formatting(app)

    from web.overview import bp as overview_bp

    app.register_blueprint(overview_bp)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
        )
        return response

    return app
