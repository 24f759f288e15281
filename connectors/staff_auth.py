"""One check for every staff route: a bearer token from the environment, compared safely.

Staff tools (console, application API) are reachable only with ``Authorization: Bearer
<STAFF_TOKEN>``. Without STAFF_TOKEN set the staff routes answer 503 rather than falling
open: a deployment that forgot the secret must not expose applications.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json

Handler = Callable[..., Awaitable[HTTPResponse]]


def staff_token() -> str:
    return os.environ.get("STAFF_TOKEN", "")


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
            return json({"error": "staff access is not configured (STAFF_TOKEN unset)"}, 503)
        if not is_staff(request):
            return json({"error": "staff token missing or wrong"}, 401,
                        headers={"WWW-Authenticate": "Bearer"})
        return await handler(request, *args, **kwargs)

    return wrapper
