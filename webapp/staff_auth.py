"""One check for every staff route: a bearer token from the environment, compared safely.

Staff tools (console, application API) are reachable only with ``Authorization: Bearer
<STAFF_TOKEN>``. Without STAFF_TOKEN set the staff routes answer 503 rather than falling
open: a deployment that forgot the secret must not expose applications. Every answer of a
staff route, refusals included, says ``Cache-Control: no-store``: an application's stages and
remarks must not stay in a browser's or a proxy's cache.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json

from runtime.settings import setting

Handler = Callable[..., Awaitable[HTTPResponse]]


def staff_token() -> str:
    return (setting("STAFF_TOKEN") or "")


def is_staff(request: Request) -> bool:
    expected = staff_token()
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode())


def staff_only(handler: Handler) -> Handler:
    """Decorator: 503 when no token is configured, 401 when the request lacks it."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if not staff_token():
            response = json({"error": "staff access is not configured (STAFF_TOKEN unset)"},
                            503)
        elif not is_staff(request):
            response = json({"error": "staff token missing or wrong"}, 401,
                            headers={"WWW-Authenticate": "Bearer"})
        else:
            response = await handler(request, *args, **kwargs)
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper
