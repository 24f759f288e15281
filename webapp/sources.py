"""`GET /sources?ref=003 §2 step 3&lang=zh`: what a source of an answer says, as JSON.

The widget's answer cards list their sources (replies/card.py); tapping one asks this route
for the seed's passage at that citation, stored word for word by the knowledge build
(knowledge/quotes.py), with the document's title and authority in the reader's language
(`zh`, `zh-Hant` or `en`). Only citations the knowledge base makes are served: anything else
is a 404, never a path or a query. The texts are public, so any embedding site may read them
(`Access-Control-Allow-Origin: *`, no credentials).
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from knowledge.quotes import quote_for
from knowledge.text import to_traditional

LANGS = ("zh", "zh-Hant", "en")
MAX_REF = 120  # the longest citation column (knowledge/models.py)
HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": "public, max-age=3600",
    "X-Content-Type-Options": "nosniff",
}

blueprint = Blueprint("sources")


def problem(status: int, error: str) -> HTTPResponse:
    return json({"error": error}, status=status,
                headers={**HEADERS, "Cache-Control": "no-store"})


@blueprint.get("/sources")
async def source_passage(request: Request) -> HTTPResponse:
    ref = (request.args.get("ref") or "").strip()
    lang = request.args.get("lang") or "zh"
    if not ref:
        return problem(400, "ref is required, e.g. ?ref=003 §2 step 3")
    if len(ref) > MAX_REF or not ref.isprintable():
        return problem(400, f"ref must be printable and at most {MAX_REF} characters")
    if lang not in LANGS:
        return problem(400, f"lang must be one of {', '.join(LANGS)}")
    quote = quote_for(ref, lang)
    if quote is None:
        return problem(404, "no such source in the knowledge base")
    body = quote.as_json()
    if lang == "zh-Hant":  # the reader's script for our words; the seed's own stay verbatim
        body["title"], body["authority"] = (to_traditional(str(body["title"])),
                                            to_traditional(str(body["authority"])))
    return json(body, headers=HEADERS, ensure_ascii=False)
