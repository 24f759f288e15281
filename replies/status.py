"""The wording of an application's status: its stage, what it means, what to do, what comes
when. The chat's status answer, the update pushed to WeChat and the staff console all say it
in these words, read from workflows.yaml and the procedure's time limits."""

from __future__ import annotations

from datetime import date, datetime

from knowledge.query import KnowledgeBase, pick
from knowledge.workdays import TZ
from replies.card import Card, Section, listed, plain
from replies.render import _card
from tracking.store import ApplicationView
from tracking.workflow import schedule


def today() -> date:
    return datetime.now(TZ).date()


def expected_lines(kb: KnowledgeBase, app: ApplicationView, lg: str) -> list[str]:
    day = today()
    out = []
    for exp in schedule(kb, app.procedure_id, app.history(), day, lg):
        line = kb.phrase("expected_line", lg, text=exp.text, date=exp.due.date.isoformat())
        if exp.due.estimated:
            line += " " + kb.phrase("expected_estimated", lg, year=exp.due.date.year)
        out.append("• " + line)
    return out


def status_text(kb: KnowledgeBase, app: ApplicationView, lg: str) -> str:
    return status_card(kb, app, lg).text()


def status_card(kb: KnowledgeBase, app: ApplicationView, lg: str) -> Card:
    """The current stage in plain words, what it means, what to do and what comes when."""
    wf = app.workflow
    event = app.events[-1]
    stage = wf.stages[event.stage]
    name = pick(kb.procedure(app.procedure_id).name, lg)
    lines = [kb.phrase("status_heading", lg, reference=app.reference, name=name),
             kb.phrase("status_stage", lg, stage=pick(stage.name, lg),
                       at=event.at.astimezone(TZ).date().isoformat()),
             pick(stage.meaning, lg)]
    if event.remark:
        lines.append(kb.phrase("status_remark", lg, remark=event.remark))
    lines.append(kb.phrase("status_todo", lg, todo=pick(stage.todo, lg)))
    blocks: list[Section] = [plain(*lines)]
    if stage.ready:
        blocks.append(listed((c.text for c in kb.collect_for(app.procedure_id, lg)),
                             kb.phrase("heading_collect", lg)))
    if not (stage.final or stage.failed):
        upcoming = schedule(kb, app.procedure_id, app.history(), today(), lg)
        if upcoming:
            nxt = upcoming[0]
            due = nxt.due.date.isoformat()
            blocks.append(plain(kb.phrase("status_next_due", lg, date=due, text=nxt.text)))
            if nxt.overdue:
                contacts = "；".join(kb.contact_line(c, lg).text
                                    for c in kb.procedure(app.procedure_id).contact_ids)
                blocks.append(plain(kb.phrase("status_overdue", lg, date=due,
                                              contacts=contacts)))
        else:
            blocks.append(plain(kb.phrase("status_no_schedule", lg)))
    refs = [kb.procedure(app.procedure_id).source, wf.source]
    return _card(kb, lg, "", blocks, refs)
