"""The web pages and staff endpoints, on their own port beside Rasa.

Rasa serves the chat channels (REST, WeChat); this small Sanic app serves everything a
browser loads: the embeddable widget and its demo page, and the hotline staff console and
staff API. Each part is a blueprint in its own module, listed in `BLUEPRINTS`, so a part can
be added or removed without touching the others (imported plainly, so a reader and ruff see
every dependency). Keeping them off Rasa's port means the
public widget's origin never reaches a staff route through Rasa's CORS settings.
"""

from __future__ import annotations

import argparse

from sanic import Blueprint, Sanic
from sanic.response import HTTPResponse, json

from runtime.settings import setting
from webapp import feedback, pages, review_api, sources, staff_api, staff_console

BLUEPRINTS: list[Blueprint] = [pages.blueprint, sources.blueprint, staff_console.blueprint,
                               staff_api.blueprint, feedback.blueprint, review_api.blueprint]


def create_app(name: str = "ekey_web") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1_000_000  # nothing a browser sends here is larger

    @app.get("/health")
    async def health(_request) -> HTTPResponse:  # type: ignore[no-untyped-def]
        return json({"status": "ok"})

    for blueprint in BLUEPRINTS:
        app.blueprint(blueprint)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m webapp.app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(setting("WEB_PORT")))
    args = parser.parse_args(argv)
    # Sanic 21.12 (pinned by Rasa 3.6) has no single_process; one worker is the same thing.
    create_app().run(host=args.host, port=args.port, access_log=False, workers=1, motd=False)


if __name__ == "__main__":
    main()
