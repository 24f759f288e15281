"""The stages of each trackable procedure (knowledge/data/workflows.yaml) and the schedule.

A stage may start one of the procedure's time limits counting ("opens") and stop another
("closes"); the expected date of whatever is pending is the working-day count from the day
its stage was reached, and what has not started yet is forecast one limit after another.
Every date therefore comes from the procedure's own `times`, with its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.db import DATA_DIR
from knowledge.query import KnowledgeBase, LangCode, pick
from knowledge.workdays import WorkdayDate, add_working_days

WORKFLOWS_FILE = DATA_DIR / "workflows.yaml"


@dataclass(frozen=True)
class Stage:
    id: str
    name: dict[str, str]
    meaning: dict[str, str]
    todo: dict[str, str]
    opens: int | None = None
    closes: int | None = None
    next: tuple[str, ...] = ()
    final: bool = False
    ready: bool = False
    failed: bool = False


@dataclass(frozen=True)
class Workflow:
    id: str
    source: str
    procedures: tuple[str, ...]
    stages: dict[str, Stage]

    @property
    def first(self) -> Stage:
        return next(iter(self.stages.values()))

    def allows(self, current: str | None, target: str) -> bool:
        if target not in self.stages:
            return False
        if current is None:
            return target == self.first.id
        return target in self.stages[current].next


@dataclass(frozen=True)
class Expected:
    """One time limit of the procedure: when it should end, and whether it already started."""

    index: int
    text: str
    due: WorkdayDate
    started: bool
    overdue: bool
    source: str


class WorkflowError(ValueError):
    pass


def _stage(row: dict) -> Stage:
    return Stage(id=row["id"], name=row["name"], meaning=row["meaning"], todo=row["todo"],
                 opens=row.get("opens"), closes=row.get("closes"),
                 next=tuple(row.get("next", ())), final=bool(row.get("final")),
                 ready=bool(row.get("ready")), failed=bool(row.get("failed")))


def read_workflows(path: Path = WORKFLOWS_FILE) -> dict[str, Workflow]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {r["id"]: Workflow(r["id"], r["source"], tuple(r["procedures"]),
                              {s["id"]: _stage(s) for s in r["stages"]}) for r in rows}


def check(workflows: dict[str, Workflow], kb: KnowledgeBase) -> list[str]:
    """Problems between the workflows and the knowledge base (empty when consistent)."""
    problems = []
    for wf in workflows.values():
        for pid in wf.procedures:
            if pid not in kb.procedures:
                problems.append(f"workflow {wf.id}: unknown procedure {pid}")
                continue
            n_times = len(kb.times_for(pid, "en"))
            for st in wf.stages.values():
                for idx in (st.opens, st.closes):
                    if idx is not None and idx >= n_times:
                        problems.append(f"workflow {wf.id} stage {st.id}: time limit {idx} "
                                        f"but {pid} has {n_times}")
        for st in wf.stages.values():
            problems += [f"workflow {wf.id} stage {st.id}: next stage {n} unknown"
                         for n in st.next if n not in wf.stages]
    return problems


@lru_cache(maxsize=1)
def workflows() -> dict[str, Workflow]:
    return read_workflows()


def workflow_for(procedure_id: str) -> Workflow | None:
    return next((w for w in workflows().values() if procedure_id in w.procedures), None)


def text(record: dict[str, str], lang: LangCode) -> str:
    return pick(record, lang)


def schedule(kb: KnowledgeBase, procedure_id: str, history: list[tuple[str, date]],
             today: date, lang: LangCode = "zh") -> list[Expected]:
    """Expected ends of the pending time limits, then of those still to come.

    `history` is the stages reached, oldest first, with the day each was reached. Nothing
    is expected once the application is complete or waits for a resubmission.
    """
    wf = workflow_for(procedure_id)
    if wf is None or not history:
        return []
    current = wf.stages[history[-1][0]]
    if current.final or current.failed:
        return []
    times = kb.times_for(procedure_id, lang)
    started: dict[int, date] = {}
    for stage_id, day in history:
        st = wf.stages[stage_id]
        if st.closes is not None:
            started.pop(st.closes, None)
        if st.opens is not None:
            started[st.opens] = day
            for later in [i for i in started if i > st.opens]:
                started.pop(later)  # a resubmission restarts everything after it
    out: list[Expected] = []
    last_due: date | None = None
    for index, limit in enumerate(times):
        if limit.working_days is None:
            continue
        if index in started:
            due = add_working_days(started[index], limit.working_days)
        elif last_due is not None or (started and index > max(started)):
            base = last_due or today
            due = add_working_days(base, limit.working_days)
        else:
            continue  # already over
        out.append(Expected(index, limit.text, due, index in started,
                            index in started and today > due.date, limit.source))
        last_due = due.date
    return out
