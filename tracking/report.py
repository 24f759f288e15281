"""An application as JSON: what the staff API, console and CLI show (no secrets in it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from knowledge.query import shared_kb
from knowledge.workdays import TZ
from tracking.store import ApplicationView
from tracking.workflow import schedule


def application_json(app: ApplicationView) -> dict[str, Any]:
    """The contract the staff console reads; no code hash, no recipient id."""
    kb, wf = shared_kb(), app.workflow
    proc = kb.procedure(app.procedure_id)
    today = datetime.now(TZ).date()
    zh, en = (schedule(kb, app.procedure_id, app.history(), today, lg) for lg in ("zh", "en"))
    return {
        "reference": app.reference,
        "procedure_id": app.procedure_id,
        "procedure_name": dict(proc.name),
        "submitted_on": app.submitted_on.isoformat(),
        "channel": app.notify_channel,
        "stage": app.stage,
        "stage_name": dict(wf.stages[app.stage].name),
        "events": [{"stage": e.stage, "stage_name": dict(wf.stages[e.stage].name),
                    "at": e.at.astimezone(TZ).isoformat(timespec="seconds"),
                    "remark": e.remark, "actor": e.actor} for e in app.events],
        "next_stages": [{"id": s, "name": dict(wf.stages[s].name)}
                        for s in wf.stages[app.stage].next],
        "expected": [{"stage": str(x.index), "text": {"zh": x.text, "en": y.text},
                      "due": x.due.date.isoformat(), "overdue": x.overdue}
                     for x, y in zip(zh, en, strict=True)],
    }
