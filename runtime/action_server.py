"""The action server: Rasa SDK's executor and this project's actions, behind a shared secret.

``python -m runtime.action_server`` replaces ``rasa run actions``. Rasa SDK 3.6's server
listens on every interface, runs any action for any caller with whatever tracker it posts,
allows every CORS origin, and answers an action's exception with the whole request (the
conversation), which Rasa then writes to its log. This one runs the same `ActionExecutor`
over the same `actions` package, but:

- every route except ``/health`` needs ``Authorization: Bearer <ACTIONS_TOKEN>`` (Rasa sends
  it, see runtime/endpoints.py), compared in constant time before the body is read; it
  refuses to start without ACTIONS_TOKEN;
- it listens on 127.0.0.1 unless ACTIONS_HOST names another interface (containers, where
  Rasa replicas on other machines must reach it: the token is what keeps others out);
- bodies over `MAX_BODY` are refused from their Content-Length, before reading;
- the tracker goes through `actions.guard` before any action sees it;
- an action's failure is logged as its exception type and place and answered as
  ``{"error": "action failed"}``: no message text, slot or tracker in either.

The token reaches the process through its environment only, never its command line.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import sys
import traceback
import zlib
from typing import Any

from rasa_sdk import utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from actions.guard import clean_tracker
from knowledge.query import shared_kb
from runtime.http_limits import read_body
from runtime.settings import setting

# A session's tracker (every event since it began) is sent with each call: large but bounded.
MAX_BODY = 16 * 1024 * 1024
log = logging.getLogger("runtime.action_server")


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


def _decoded(body: bytes, encoding: str | None) -> Any:
    if encoding == "deflate":  # Rasa's COMPRESS_ACTION_SERVER_REQUEST; bounded, like the body
        inflater = zlib.decompressobj()
        body = inflater.decompress(body, MAX_BODY)
        if inflater.unconsumed_tail:
            raise ValueError("inflated body too large")
    return json.loads(body)


def _where(error: BaseException) -> str:
    """file:line of the innermost frame: enough to find the bug, no values."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else "?"


def create_app(token: str, package: str = "actions", name: str = "ekey_actions") -> Sanic:
    if not token:
        raise ValueError("ACTIONS_TOKEN is empty")
    app = Sanic(name, configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY
    executor = ActionExecutor()
    executor.register_package(package)

    @app.listener("after_server_start")
    async def open_review_store(_app: Sanic, _loop: object) -> None:
        """Open (and migrate) the review store before the first turn needs it, in the
        capture's background thread, so the first reply does not share the start-up."""
        from actions.capture import warm_up

        warm_up()

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return json_response({"status": "ok"})

    @app.get("/actions")
    async def actions(request: Request) -> HTTPResponse:
        if not _authorised(request, token):
            return json_response({"error": "unauthorised"}, 401)
        return json_response([{"name": name} for name in executor.actions])

    @app.post("/webhook", stream=True)
    async def webhook(request: Request) -> HTTPResponse:
        if not _authorised(request, token):
            return json_response({"error": "unauthorised"}, 401)
        body = await read_body(request, MAX_BODY)
        if body is None:
            return json_response({"error": f"body larger than {MAX_BODY} bytes"}, 413)
        try:
            call = _decoded(body, request.headers.get("content-encoding"))
        except (ValueError, zlib.error):
            return json_response({"error": "expected a JSON action call"}, 400)
        if not isinstance(call, dict) or not isinstance(call.get("next_action"), str):
            return json_response({"error": "expected a JSON action call"}, 400)
        utils.check_version_compatibility(call.get("version"))
        name = call["next_action"]
        call["tracker"] = clean_tracker(shared_kb(), call.get("tracker"))
        if not isinstance(call.get("domain"), dict):
            call["domain"] = {}
        try:
            result = await executor.run(call)
        except ActionExecutionRejection as e:
            return json_response({"error": e.message, "action_name": e.action_name}, 400)
        except ActionNotFoundException as e:
            return json_response({"error": e.message, "action_name": e.action_name}, 404)
        except Exception as error:  # noqa: BLE001 - say where, never what the user said
            log.error("action %s failed: %s at %s", name, type(error).__name__, _where(error))
            return json_response({"error": "action failed", "action_name": name}, 500)
        return json_response(result)

    @app.exception(Exception)
    async def failed(request: Request, error: Exception) -> HTTPResponse:
        status = getattr(error, "status_code", 500)
        if status >= 500:
            log.error("request failed: %s at %s", type(error).__name__, _where(error))
        return json_response({"error": "request failed"}, status)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runtime.action_server",
                                     description="The action server, behind ACTIONS_TOKEN.")
    parser.add_argument("--host", default=setting("ACTIONS_HOST"))
    parser.add_argument("--port", type=int, default=int(setting("ACTIONS_PORT")))
    parser.add_argument("--actions", default="actions", help="package of actions")
    args = parser.parse_args(argv)
    token = (setting("ACTIONS_TOKEN") or "")
    if not token:
        print("ACTIONS_TOKEN is not set: the action server does not run without it "
              "(Rasa sends it; see runtime/endpoints.py)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    app = create_app(token, args.actions)
    log.info("action server on %s:%s", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
