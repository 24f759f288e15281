"""Staff API of the review inbox: groups of messages the assistant did not serve well, their
labels, the NLU export and the usage charts. Every route is `staff_only`, `no-store`, without
CORS headers, like the rest of the console (webapp/staff_console.py).

    GET  /staff/api/review/inbox?status=open|labelled|all&lang=&channel=&reason=&days=&q=
    POST /staff/api/review/labels   {"ids": [...], "verdict": "facet", "facet": "materials",
                                     "key_type": "...", "procedure": "...", "note": "...",
                                     "actor": "wang"}
    GET  /staff/api/review/options  facets, key types and procedures to label with
    GET  /staff/api/review/charts?days=30   [{"id", "svg"}]
    POST /staff/api/review/export   writes var/review/review_nlu.yml, answers its text
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from knowledge.query import pick, shared_kb
from rasa_project.intents import INTENT_OF_FACET
from review.export import write_export
from review.inbox import STATUSES, Filters, groups
from review.report import chart_svgs
from review.store import MAX_NOTE, REASONS, VERDICTS, shared_review_store
from webapp.staff_auth import staff_only

blueprint = Blueprint("review_api", url_prefix="/staff/api/review")
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_BODY = 64 * 1024
MAX_IDS = 2000
MAX_DAYS = 366
LANGS = ("zh-Hans", "zh-Hant", "en")


def _error(status: int, message: str) -> HTTPResponse:
    return json({"error": message}, status, headers=API_HEADERS)


def _days(request: Request) -> int:
    raw = request.args.get("days", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise ValueError(f"days must be a whole number from 1 to {MAX_DAYS}")
    return int(raw)


def label_options() -> dict[str, Any]:
    """What a label may name: the answered facets and the knowledge base's keys and procedures."""
    kb = shared_kb()
    return {
        "verdicts": list(VERDICTS),
        "facets": sorted(INTENT_OF_FACET),
        "key_types": [{"id": k, "name": pick(v.name, "zh"), "name_en": pick(v.name, "en")}
                      for k, v in kb.key_types.items()],
        "procedures": [{"id": p.id, "key_type": p.key_type_id, "name": pick(p.name, "zh"),
                        "name_en": pick(p.name, "en")} for p in kb.procedures.values()],
    }


@blueprint.get("/inbox")
@staff_only
async def inbox(request: Request) -> HTTPResponse:
    args = request.args
    status = args.get("status", "open")
    lang, channel, reason = args.get("lang") or None, args.get("channel") or None, \
        args.get("reason") or None
    if status not in STATUSES:
        return _error(400, f"status must be one of {', '.join(STATUSES)}")
    if lang and lang not in LANGS:
        return _error(400, f"lang must be one of {', '.join(LANGS)}")
    if reason and reason not in REASONS:
        return _error(400, f"reason must be one of {', '.join(REASONS)}")
    if channel and (len(channel) > 40 or not channel.isidentifier()):
        return _error(400, "channel must be a channel name such as rest or wechat")
    try:
        days = _days(request)
    except ValueError as exc:
        return _error(400, str(exc))
    filters = Filters(status=status, lang=lang, channel=channel, reason=reason, days=days,
                      text=(args.get("q") or "")[:200])
    found = groups(shared_review_store(), filters)
    return json({"groups": found, "count": len(found)}, headers=API_HEADERS, ensure_ascii=False)


@blueprint.get("/options")
@staff_only
async def options(_request: Request) -> HTTPResponse:
    return json(label_options(), headers=API_HEADERS, ensure_ascii=False)


def _label_body(body: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The checked label, or why it is refused; every id must come from the knowledge base."""
    if not isinstance(body, dict):
        return None, "expected a JSON object"
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return None, f"ids must be a list of 1-{MAX_IDS} message ids"
    verdict = body.get("verdict")
    if verdict not in VERDICTS:
        return None, f"verdict must be one of {', '.join(VERDICTS)}"
    opts = label_options()
    facet, key_type, procedure = body.get("facet"), body.get("key_type"), body.get("procedure")
    note, actor = body.get("note") or "", body.get("actor") or "staff"
    if not isinstance(note, str) or not isinstance(actor, str):
        return None, "note and actor must be strings"
    if len(note) > MAX_NOTE:
        return None, f"note longer than {MAX_NOTE} characters"
    if verdict == "facet":
        if facet not in opts["facets"]:
            return None, "facet must be one of " + ", ".join(opts["facets"])
        if key_type is not None and key_type not in {k["id"] for k in opts["key_types"]}:
            return None, "key_type is not a key type of the knowledge base"
        procs = {p["id"]: p for p in opts["procedures"]}
        if procedure is not None and procedure not in procs:
            return None, "procedure is not a procedure of the knowledge base"
        if procedure and key_type and procs[procedure]["key_type"] != key_type:
            return None, "that procedure belongs to another key type"
        if procedure and not key_type:
            key_type = procs[procedure]["key_type"]
    else:
        facet = key_type = procedure = None
    if verdict == "missing_fact" and not note.strip():
        return None, "a missing fact needs a note saying what the sources lack"
    return {"ids": ids, "verdict": verdict, "facet": facet, "key_type": key_type,
            "procedure_id": procedure, "note": note, "actor": f"staff:{actor}"[:80]}, None


@blueprint.post("/labels")
@staff_only
async def label(request: Request) -> HTTPResponse:
    if len(request.body or b"") > MAX_BODY:
        return _error(413, f"body larger than {MAX_BODY} bytes")
    try:
        body = jsonlib.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _error(400, "expected a JSON object")
    checked, problem = _label_body(body)
    if problem is not None or checked is None:
        return _error(400, problem or "bad label")
    ids = checked.pop("ids")
    try:
        label_id = shared_review_store().label(ids, **checked)
    except LookupError as exc:
        return _error(404, str(exc))
    except ValueError as exc:
        return _error(400, str(exc))
    return json({"label": label_id, "labelled": len(ids)}, 201, headers=API_HEADERS)


@blueprint.get("/charts")
@staff_only
async def charts(request: Request) -> HTTPResponse:
    try:
        days = _days(request)
    except ValueError as exc:
        return _error(400, str(exc))
    return json({"days": days, "charts": chart_svgs(shared_review_store(), shared_kb(), days)},
                headers=API_HEADERS, ensure_ascii=False)


@blueprint.post("/export")
@staff_only
async def export(_request: Request) -> HTTPResponse:
    store = shared_review_store()
    path, counts = write_export(store)
    body = {"path": str(path), "counts": counts, "yaml": path.read_text(encoding="utf-8")}
    return json(body, headers=API_HEADERS, ensure_ascii=False)
