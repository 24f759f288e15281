"""Staff HTTP API for applications: read one by reference, move it to its next stage.

Every route is behind `staff_only` (bearer STAFF_TOKEN). Staff read by reference alone: the
applicant's code is theirs, the token is staff's. After an update the applicant is told on
their channel when it can push (see tracking/notify.py).
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from tracking import notify
from tracking.report import application_json
from tracking.store import (
    MAX_REMARK,
    TrackingError,
    normalise_reference,
    shared_store,
)
from webapp.staff_auth import staff_only

blueprint = Blueprint("staff_api", url_prefix="/staff/api/applications")
MAX_BODY = 16_384

@blueprint.get("/<reference>")
@staff_only
async def get_application(request: Request, reference: str) -> HTTPResponse:
    ref = normalise_reference(reference)
    app = shared_store().get(ref) if ref else None
    if app is None:
        return json({"error": "no application with that reference"}, 404)
    return json(application_json(app))


@blueprint.post("/<reference>/events")
@staff_only
async def add_event(request: Request, reference: str) -> HTTPResponse:
    if len(request.body or b"") > MAX_BODY:
        return json({"error": f"body larger than {MAX_BODY} bytes"}, 413)
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own InvalidUsage for bad JSON
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("stage"), str):
        return json({"error": 'expected JSON {"stage": ..., "remark": ..., "actor": ...}'}, 400)
    remark, actor = body.get("remark") or "", body.get("actor") or "staff"
    if not isinstance(remark, str) or not isinstance(actor, str):
        return json({"error": "remark and actor must be strings"}, 400)
    if len(remark) > MAX_REMARK:
        return json({"error": f"remark longer than {MAX_REMARK} characters"}, 413)
    ref = normalise_reference(reference)
    try:
        app = shared_store().add_event(ref or "", body["stage"], remark, f"staff:{actor}"[:80])
    except LookupError:
        return json({"error": "no application with that reference"}, 404)
    except TrackingError as exc:
        return json({"error": str(exc)}, 400)
    out = application_json(app)
    out["notified"] = await notify.notify(app)
    return json(out, 201)
