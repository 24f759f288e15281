"""The inbox staff review: captured messages in near-duplicate groups, filtered, newest first.

Plain data, shared by the staff API (JSON) and the export; the page only shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from review.grouping import group, most_common
from review.store import Captured, Label, ReviewStore, today

STATUSES = ("open", "labelled", "all")
MAX_EXAMPLES = 8


@dataclass(frozen=True)
class Filters:
    status: str = "open"          # open: not labelled yet; labelled; all
    lang: str | None = None       # zh-Hans, zh-Hant, en
    channel: str | None = None    # rest, wechat, wecom
    reason: str | None = None     # out_of_scope, nlu_fallback, ..., not_helpful
    days: int = 30                # messages of the last n days (Asia/Shanghai)
    text: str = ""                # a group is shown when one of its messages contains this

    def since(self) -> date:
        return today() - timedelta(days=max(self.days, 1) - 1)


def _keep(turn: Captured, f: Filters) -> bool:
    if f.status == "open" and turn.label_id is not None:
        return False
    if f.status == "labelled" and turn.label_id is None:
        return False
    return (f.lang in (None, turn.lang) and f.channel in (None, turn.channel)
            and f.reason in (None, turn.reason))


def _label_json(label: Label | None) -> dict[str, Any] | None:
    if label is None:
        return None
    return {"id": label.id, "verdict": label.verdict, "facet": label.facet,
            "key_type": label.key_type, "procedure": label.procedure_id, "note": label.note,
            "actor": label.actor}


def groups(store: ReviewStore, f: Filters) -> list[dict[str, Any]]:
    """Groups of near-duplicate messages matching the filters, the newest message first.

    Messages are grouped within their labelling state, so a labelled group never swallows a
    new message nobody has looked at.
    """
    turns = [t for t in store.captured(f.since()) if _keep(t, f)]
    labels = store.labels()
    out = []
    for state in ("open", "labelled"):
        part = [t for t in turns if (t.label_id is None) == (state == "open")]
        for g in group(part, lambda t: t.text):
            items = g.items
            if f.text and not any(f.text.lower() in t.text.lower() for t in items):
                continue
            label_ids = {t.label_id for t in items if t.label_id is not None}
            label = labels.get(max(label_ids)) if label_ids else None
            out.append({
                "key": f"g{min(t.id for t in items)}",
                "ids": [t.id for t in items],
                "count": len(items),
                "text": items[0].text,
                "examples": [{"id": t.id, "text": t.text, "comment": t.comment,
                              "lang": t.lang, "channel": t.channel, "reason": t.reason,
                              "at": t.at.isoformat(timespec="minutes")}
                             for t in items[:MAX_EXAMPLES]],
                "langs": most_common([t.lang for t in items]),
                "channels": most_common([t.channel for t in items]),
                "reasons": most_common([t.reason for t in items]),
                "latest": items[0].at.isoformat(timespec="minutes"),
                "status": state,
                "label": _label_json(label),
            })
    out.sort(key=lambda g: g["latest"], reverse=True)
    return out
