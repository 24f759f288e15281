"""`POST /feedback`: the widget's 👍/👎 on an answer, for the review inbox.

A public route, so it is held to what the REST channel is held to: the body is read only up
to `MAX_BODY` (Content-Length over it is refused before reading), it must be a JSON object
of the expected shape (else 400), texts are limited (413), and each client address gets a
token bucket (`FEEDBACK_BURST`, then `FEEDBACK_PER_SECOND`; X-Forwarded-For only from
TRUSTED_PROXIES) before anything is written. The question and comment are redacted by the
store before they are kept, and only for a 👎; nothing of them is logged.

The widget may be embedded on other sites (CORS_ORIGINS, as for Rasa): those origins get
CORS headers for this route, and no other origin does.

    {"rating": "down", "question": "…", "comment": "…", "sender": "web-…", "lang": "en"}
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from knowledge.text import detect_language
from review.store import MAX_COMMENT, MAX_TEXT, shared_review_store
from runtime.http_limits import MemoryBuckets, client_address, read_body, trusted_networks
from runtime.settings import setting

MAX_BODY = 8 * 1024
MAX_SENDER = 128
LANGS = {"zh": "zh-Hans", "zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", "en": "en"}
SHAPE = 'expected a JSON object {"rating": "up"|"down", "question": ..., "comment": ...}'
log = logging.getLogger(__name__)

blueprint = Blueprint("feedback")
_buckets = MemoryBuckets(float(setting("FEEDBACK_PER_SECOND")),
                         int(setting("FEEDBACK_BURST")))


def _allowed_origins() -> set[str]:
    return set((setting("CORS_ORIGINS") or "").split())


def _cors(request: Request) -> dict[str, str]:
    origin = request.headers.get("origin", "")
    if origin and origin in _allowed_origins():
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}
    return {}


def _problem(request: Request, status: int, error: str, **headers: str) -> HTTPResponse:
    return json_response({"error": error}, status=status,
                         headers={**_cors(request), "Cache-Control": "no-store", **headers})


def parse(raw: bytes | None) -> tuple[dict[str, Any] | None, tuple[int, str] | None]:
    """The checked feedback, or the status and reason refusing it."""
    if raw is None or len(raw) > MAX_BODY:
        return None, (413, f"request body larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, (400, SHAPE)
    if not isinstance(body, dict) or body.get("rating") not in ("up", "down"):
        return None, (400, SHAPE)
    question, comment = body.get("question", ""), body.get("comment") or ""
    sender, lang = body.get("sender"), body.get("lang")
    if not isinstance(question, str) or not isinstance(comment, str):
        return None, (400, "question and comment must be strings")
    if sender is not None and (not isinstance(sender, str) or len(sender) > MAX_SENDER
                               or not sender.isprintable()):
        return None, (400, f"sender must be a printable string of at most {MAX_SENDER} "
                           "characters")
    if lang is not None and lang not in LANGS:
        return None, (400, f"lang must be one of {', '.join(LANGS)}")
    if len(question) > MAX_TEXT:
        return None, (413, f"question longer than {MAX_TEXT} characters")
    if len(comment) > MAX_COMMENT:
        return None, (413, f"comment longer than {MAX_COMMENT} characters")
    return body, None


@blueprint.route("/feedback", methods=["OPTIONS"])
async def preflight(request: Request) -> HTTPResponse:
    return HTTPResponse(status=204, headers=_cors(request))


@blueprint.route("/feedback", methods=["POST"], stream=True)
async def feedback(request: Request) -> HTTPResponse:
    address = client_address(request, trusted_networks(setting("TRUSTED_PROXIES")))
    wait = await _buckets.take(f"address:{address}")
    if wait > 0:
        return _problem(request, 429, "too many ratings from this address; slow down",
                        **{"Retry-After": str(math.ceil(wait))})
    body, refused = parse(await read_body(request, MAX_BODY))
    if refused is not None:
        return _problem(request, *refused)
    assert body is not None
    question = body.get("question") or ""
    lang = detect_language(question) or LANGS.get(body.get("lang") or "") or "zh-Hans"
    try:
        shared_review_store().record_feedback(
            body["rating"] == "up", question, body.get("comment") or "", lang, "rest",
            body.get("sender"))
    except Exception as exc:  # noqa: BLE001 - say so, log no text
        log.error("feedback not stored: %s", type(exc).__name__)
        return _problem(request, 503, "feedback could not be stored; try again later")
    return json_response({"ok": True}, status=201,
                         headers={**_cors(request), "Cache-Control": "no-store"})
