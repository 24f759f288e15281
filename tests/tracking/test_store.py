"""The application store on a real SQLite file: privacy rules, stages and the schedule."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from knowledge.applications.store import (
    MAX_FAILURES,
    ApplicationStore,
    TrackingError,
    Verify,
    normalise_reference,
)
from knowledge.applications.workflow import check, schedule, workflows
from knowledge.query import KnowledgeBase


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "applications.db"


@pytest.fixture
def store(db: Path) -> ApplicationStore:
    s = ApplicationStore(f"sqlite:///{db}")
    s.migrate()
    return s


def test_workflows_agree_with_the_knowledge_base(kb: KnowledgeBase) -> None:
    assert check(workflows(), kb) == []


def test_migrations_create_versioned_tables_and_run_twice(store: ApplicationStore,
                                                          db: Path) -> None:
    store.migrate()  # a second start must not fail or duplicate anything
    names = set(inspect(store.engine).get_table_names())
    assert {"applications", "application_events", "application_verify_failures",
            "applications_alembic_version"} <= names
    with sqlite3.connect(db) as conn:
        assert conn.execute("select version_num from applications_alembic_version"
                            ).fetchall() == [("0001",)]


def test_code_is_stored_hashed_and_checked_case_insensitively(store: ApplicationStore,
                                                              db: Path) -> None:
    app, code = store.register("mofcom_unlock", date(2026, 11, 16), "zh-Hans", "rest", "s1")
    assert normalise_reference(app.reference.lower()) == app.reference
    raw = db.read_bytes()
    assert code.encode() not in raw and b"s1" in raw  # recipient kept, code never
    assert store.verify("s1", app.reference, code.lower())[0] is Verify.OK


def test_wrong_reference_and_wrong_code_look_the_same(store: ApplicationStore) -> None:
    app, code = store.register("mofcom_unlock", date(2026, 11, 16), "en", "rest", "s1")
    wrong_code = store.verify("x", app.reference, "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    wrong_ref = store.verify("y", "EK-ZZZZZZ", code)
    assert wrong_code == wrong_ref == (Verify.WRONG, None)


def test_sender_is_locked_out_after_repeated_wrong_tries(store: ApplicationStore) -> None:
    app, code = store.register("mofcom_reissue", date(2026, 11, 16), "zh-Hans", "rest", "s1")
    results = [store.verify("attacker", app.reference, f"AAAA{i}{i}")[0]
               for i in range(2, 2 + MAX_FAILURES)]
    assert results[:-1] == [Verify.WRONG] * (MAX_FAILURES - 1)
    assert results[-1] is Verify.LOCKED
    # even the right code is refused while locked; other senders are not affected
    assert store.verify("attacker", app.reference, code)[0] is Verify.LOCKED
    assert store.verify("owner", app.reference, code)[0] is Verify.OK


def test_stages_follow_the_workflow(store: ApplicationStore) -> None:
    app, _ = store.register("mofcom_renewal", date(2026, 11, 16), "zh-Hans", "rest", "s1")
    assert app.stage == "submitted"
    with pytest.raises(TrackingError, match="allowed: verification_passed"):
        store.add_event(app.reference, "collected")
    app = store.add_event(app.reference, "verification_failed", "营业执照复印件未盖章")
    assert (app.stage, app.events[-1].remark) == ("verification_failed", "营业执照复印件未盖章")
    app = store.add_event(app.reference, "submitted", actor="applicant")
    assert [e.stage for e in app.events] == ["submitted", "verification_failed", "submitted"]
    with pytest.raises(LookupError):
        store.add_event("EK-ZZZZZZ", "submitted")
    with pytest.raises(TrackingError):
        store.add_event(app.reference, "verification_passed", "x" * 5000)


def test_e_port_procedures_cannot_be_tracked(store: ApplicationStore) -> None:
    with pytest.raises(TrackingError):
        store.register("eport_unlock", date(2026, 11, 16), "zh-Hans", "rest", "s1")


def test_schedule_counts_working_days_across_national_day(kb: KnowledgeBase) -> None:
    # Submitted Monday 28 Sep 2026: verification 2 working days -> Wed 30 Sep; review and
    # production 5 more working days past the National Day holiday (1-7 Oct), counting the
    # make-up working Saturday 10 Oct: 8, 9, 10, 12, 13 Oct.
    history = [("submitted", date(2026, 9, 28))]
    exp = schedule(kb, "mofcom_unlock", history, date(2026, 9, 28), "en")
    assert [(e.due.date, e.started) for e in exp] == [
        (date(2026, 9, 30), True), (date(2026, 10, 13), False)]


def test_schedule_marks_overdue_and_restarts_after_resubmission(kb: KnowledgeBase) -> None:
    history = [("submitted", date(2026, 11, 2)), ("verification_passed", date(2026, 11, 4))]
    exp = schedule(kb, "mofcom_unlock", history, date(2026, 11, 23), "zh")
    assert [(e.index, e.due.date, e.overdue) for e in exp] == [(1, date(2026, 11, 11), True)]
    history += [("review_failed", date(2026, 11, 10)), ("submitted", date(2026, 11, 20))]
    assert schedule(kb, "mofcom_unlock", history[:3], date(2026, 11, 23), "zh") == []
    exp = schedule(kb, "mofcom_unlock", history, date(2026, 11, 23), "zh")
    assert [(e.index, e.due.date, e.overdue) for e in exp] == [
        (0, date(2026, 11, 24), False), (1, date(2026, 12, 1), False)]
