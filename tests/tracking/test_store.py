"""The application store on a real SQLite file: privacy rules, stages and the schedule."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from knowledge.query import KnowledgeBase
from knowledge.workdays import TZ
from tracking.store import (
    GRANT_LIFETIME,
    LOCKOUT,
    MAX_ADDRESS_FAILURES,
    MAX_FAILURES,
    MAX_REFERENCE_FAILURES,
    ApplicationStore,
    TrackingError,
    Verify,
    normalise_reference,
)
from tracking.workflow import check, schedule, workflows


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
            "application_grants", "applications_alembic_version"} <= names
    with sqlite3.connect(db) as conn:
        assert conn.execute("select version_num from applications_alembic_version"
                            ).fetchall() == [("0003",)]  # 0003: the review inbox


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


def wrong(code: str) -> str:
    """A code that is certainly not `code`."""
    return "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"


def test_a_renamed_sender_is_still_stopped_by_its_client_address(store: ApplicationStore
                                                                 ) -> None:
    """Five fresh tries per new sender id no more: the address has its own budget."""
    app, code = store.register("mofcom_unlock", date(2026, 11, 16), "zh-Hans", "rest", "s1")
    # each try names another (made-up) reference, so only the address budget runs out
    results = [store.verify(f"renamed-{i}", f"EK-{'ABCDEFGHJK'[i]}23456", "ZZZZZZ",
                            address="203.0.113.7")[0] for i in range(MAX_ADDRESS_FAILURES)]
    assert results == [Verify.WRONG] * (MAX_ADDRESS_FAILURES - 1) + [Verify.LOCKED]
    # the right reference and code, from yet another name on that address: still refused
    assert store.verify("renamed-new", app.reference, code, address="203.0.113.7")[0] \
        is Verify.LOCKED
    assert store.verify("elsewhere", app.reference, code, address="198.51.100.1")[0] \
        is Verify.OK


def test_a_reference_has_a_budget_of_wrong_codes_whoever_tries(store: ApplicationStore
                                                               ) -> None:
    app, code = store.register("mofcom_unlock", date(2026, 11, 16), "zh-Hans", "rest", "owner")
    results = [store.verify(f"bot-{i}", app.reference, wrong(code), address=f"192.0.2.{i}")[0]
               for i in range(MAX_REFERENCE_FAILURES)]
    assert results == [Verify.WRONG] * (MAX_REFERENCE_FAILURES - 1) + [Verify.LOCKED]
    assert store.verify("fresh", app.reference, code, address="192.0.2.200")[0] \
        is Verify.LOCKED
    assert not store.may_read("fresh", app.reference)
    # the applicant's own conversation is never locked out of its application
    assert store.verify("owner", app.reference, code)[0] is Verify.OK
    # a reference that does not exist runs out alike: no way to tell the two apart
    ghost = [store.verify(f"bot-{i}", "EK-ZZZZZZ", "ZZZZZZ", address=f"192.0.2.{i + 50}")[0]
             for i in range(MAX_REFERENCE_FAILURES)]
    assert ghost == results


def test_old_failures_are_forgotten_after_the_window(store: ApplicationStore) -> None:
    app, code = store.register("mofcom_unlock", date(2026, 11, 16), "en", "rest", "s1")
    clock = [datetime(2026, 11, 20, 9, 0, tzinfo=TZ)]
    store._now = lambda: clock[0]  # type: ignore[method-assign]
    for _ in range(MAX_FAILURES - 1):
        assert store.verify("typo", app.reference, wrong(code))[0] is Verify.WRONG
    clock[0] += LOCKOUT + timedelta(minutes=1)
    for _ in range(MAX_FAILURES - 1):
        assert store.verify("typo", app.reference, wrong(code))[0] is Verify.WRONG
    assert store.verify("typo", app.reference, code)[0] is Verify.OK


def test_only_the_registering_or_verifying_sender_may_read(store: ApplicationStore) -> None:
    clock = [datetime(2026, 11, 20, 9, 0, tzinfo=TZ)]
    store._now = lambda: clock[0]  # type: ignore[method-assign]
    app, code = store.register("mofcom_unlock", date(2026, 11, 16), "en", "rest", "owner")
    assert store.may_read("owner", app.reference)
    assert not store.may_read("stranger", app.reference)  # naming it is not enough
    assert not store.may_read("owner", "EK-ZZZZZZ") and not store.may_read("owner", None)
    assert store.verify("helper", app.reference, code)[0] is Verify.OK
    assert store.may_read("helper", app.reference)
    clock[0] += GRANT_LIFETIME - timedelta(minutes=1)
    assert store.may_read("helper", app.reference)  # used: renewed
    clock[0] += GRANT_LIFETIME + timedelta(minutes=1)
    assert not store.may_read("helper", app.reference)


def test_a_status_push_is_allowed_once_per_staff_update(store: ApplicationStore) -> None:
    app, _ = store.register("mofcom_unlock", date(2026, 11, 16), "zh-Hans", "wechat",
                            "wechat:o1")
    assert not store.take_notification("wechat:o1", app.reference)
    store.expect_notification(app)
    assert not store.take_notification("wechat:someone-else", app.reference)
    assert store.take_notification("wechat:o1", app.reference)
    assert not store.take_notification("wechat:o1", app.reference)


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
