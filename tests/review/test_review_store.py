"""The review store on a real SQLite file: what is kept, for how long, and what is exported.

The export is checked by Rasa itself: `rasa data validate` (the project's domain, config and
data, plus the exported file) must pass without a warning.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect

from knowledge.db import PROJECT_ROOT
from knowledge.query import KnowledgeBase
from knowledge.workdays import TZ
from review import store as store_module
from review.export import write_export
from review.inbox import Filters, groups
from review.store import ReviewStore, Turn, sender_hash


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private var/ (the salt lives there) and no REVIEW_SALT."""
    monkeypatch.setattr(store_module, "VAR_DIR", tmp_path)
    monkeypatch.delenv("REVIEW_SALT", raising=False)
    store_module.review_salt.cache_clear()
    yield tmp_path
    store_module.review_salt.cache_clear()


@pytest.fixture
def store(var: Path) -> ReviewStore:
    s = ReviewStore(f"sqlite:///{var / 'applications.db'}")
    s.migrate()
    return s


def refused(text: str, sender: str = "web-1", lang: str = "zh-Hans", **kw) -> Turn:
    return Turn(lang=lang, channel=kw.pop("channel", "rest"), kind="out_of_scope",
                sender=sender, intent="out_of_scope", confidence=0.9, reason="out_of_scope",
                text=text, **kw)


def rows(var: Path) -> list[tuple]:
    with sqlite3.connect(var / "applications.db") as db:
        return db.execute("SELECT sender_hash, text, reason, kind, day FROM review_turns "
                          "ORDER BY id").fetchall()


def test_migration_0003_adds_the_review_tables_to_the_applications_database(
        store: ReviewStore) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"review_turns", "review_labels", "applications"} <= tables
    with store.engine.connect() as conn:
        version = conn.exec_driver_sql(
            "SELECT version_num FROM applications_alembic_version").scalar()
    assert version == "0003"


def test_an_answered_turn_is_counted_without_its_text(store: ReviewStore, var: Path) -> None:
    store.record(Turn(lang="en", channel="rest", kind="answer", sender="web-1",
                      procedure_id="eport_unlock", facet="materials", intent="ask_materials",
                      confidence=0.93, text="What do I bring to unlock the e-port card?"))
    (who, text, reason, kind, day), = rows(var)
    assert text is None and reason is None and kind == "answer"
    assert day == datetime.now(TZ).date().isoformat()


def test_a_refused_turn_keeps_its_text_redacted_and_the_sender_only_as_a_salted_hash(
        store: ReviewStore, var: Path) -> None:
    store.record(refused("明天北京天气怎么样？我的电话13812345678", sender="web-secret-id"))
    (who, text, reason, _, _), = rows(var)
    assert text == "明天北京天气怎么样？我的电话<PHONE>" and reason == "out_of_scope"
    assert who == sender_hash("web-secret-id") and "web-secret-id" not in who
    raw = (var / "applications.db").read_bytes()
    assert b"13812345678" not in raw and b"web-secret-id" not in raw


def test_the_salt_is_random_private_and_kept(var: Path) -> None:
    first = sender_hash("web-1")
    path = var / "review_salt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store_module.review_salt.cache_clear()
    assert sender_hash("web-1") == first  # read back, not made anew
    os.environ["REVIEW_SALT"] = "from-the-environment"
    try:
        store_module.review_salt.cache_clear()
        assert sender_hash("web-1") != first
    finally:
        del os.environ["REVIEW_SALT"]


def test_an_abandoned_clarification_keeps_the_question_that_led_to_it(
        store: ReviewStore, var: Path) -> None:
    store.record(Turn(lang="zh-Hans", channel="rest", kind="clarify", sender="web-1",
                      facet="materials", intent="ask_materials", confidence=0.8,
                      text="要带什么材料"))
    assert store.mark_abandoned("web-1", "要带什么材料")
    assert not store.mark_abandoned("web-1", "要带什么材料")  # once
    assert not store.mark_abandoned("web-2", "something")  # nobody asked web-2 anything
    assert rows(var)[0][1:3] == ("要带什么材料", "clarification_abandoned")


def test_a_thumbs_down_keeps_question_and_comment_a_thumbs_up_only_counts(
        store: ReviewStore, var: Path) -> None:
    store.record_feedback(True, "电子钥匙解锁要带什么", "", "zh-Hans", "rest", "web-1")
    store.record_feedback(False, "how long for EK-7K3Q9M?", "wrong, mail me a@b.cn",
                          "en", "rest", "web-1")
    with sqlite3.connect(var / "applications.db") as db:
        got = db.execute("SELECT rating, text, comment, reason FROM review_turns "
                         "ORDER BY id").fetchall()
    assert got == [(1, None, None, None),
                   (-1, "how long for <REF>?", "wrong, mail me <EMAIL>", "not_helpful")]


def test_near_duplicates_group_across_scripts_newest_first(store: ReviewStore) -> None:
    now = datetime.now(TZ)
    for i, text in enumerate(["公司改名了怎么办", "今天天气怎么样", "公司改名了怎麼辦",
                              "公司改名怎么办？"]):
        store.record(refused(text, sender=f"web-{i}"), at=now - timedelta(minutes=10 - i))
    found = groups(store, Filters())
    assert [g["count"] for g in found] == [3, 1]
    assert found[0]["text"] == "公司改名怎么办？"  # the newest message leads its group
    assert groups(store, Filters(text="天气"))[0]["count"] == 1


def test_labelled_groups_leave_the_open_inbox(store: ReviewStore) -> None:
    first = store.record(refused("公司改名了怎么办"))
    second = store.record(refused("公司改名怎么办"))
    store.label([first, second], "missing_fact", "wang", note="更名手续资料未涵盖")
    assert groups(store, Filters()) == []
    (labelled,) = groups(store, Filters(status="labelled"))
    assert labelled["label"]["verdict"] == "missing_fact" and labelled["count"] == 2
    with pytest.raises(LookupError):
        store.label([first, 99999], "ignore", "wang")
    with pytest.raises(ValueError):
        store.label([first], "delete everything", "wang")


def test_purge_deletes_what_is_older_than_the_retention_period(
        store: ReviewStore, var: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(TZ)
    old = store.record(refused("old question"), at=now - timedelta(days=91))
    store.record(refused("recent question"), at=now - timedelta(days=89))
    store.label([old], "ignore", "wang")
    assert store.purge() == 1
    assert [r[1] for r in rows(var)] == ["recent question"]
    monkeypatch.setenv("REVIEW_RETENTION_DAYS", "30")
    assert store.purge() == 1 and rows(var) == []
    with sqlite3.connect(var / "applications.db") as db:  # its label went with it
        assert db.execute("SELECT COUNT(*) FROM review_labels").fetchone() == (0,)


def test_the_purge_command(store: ReviewStore, var: Path) -> None:
    store.record(refused("old question"), at=datetime.now(TZ) - timedelta(days=100))
    result = subprocess.run(
        [sys.executable, "-m", "review", "--url", f"sqlite:///{var / 'applications.db'}",
         "purge"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "EKEY_VAR_DIR": str(var)})
    assert result.returncode == 0, result.stderr
    assert "purged 1 turns older than 90 days" in result.stdout and rows(var) == []


def test_the_export_is_nlu_yaml_that_rasa_data_validate_accepts(
        store: ReviewStore, var: Path) -> None:
    ids = [store.record(refused(t)) for t in ("unblock my e-port usb key what papers",
                                              "papers to unblock the e-port usb key")]
    masked = store.record(refused("unlock key, call 13812345678"))
    oos = [store.record(refused(t)) for t in ("明天北京会下雨吗", "明天北京會下雨嗎")]
    known = store.record(refused("解锁要带什么材料"))  # already training data
    missing = store.record(refused("公司改名了怎么办"))
    store.label(ids + [masked], "facet", "wang", facet="materials", key_type="eport_card",
                procedure_id="eport_unlock")
    store.label(oos, "out_of_scope", "wang")
    store.label([known], "facet", "wang", facet="materials")
    store.label([missing], "missing_fact", "wang", note="company rename not in the sources")
    path, counts = write_export(store, var / "review" / "review_nlu.yml")
    assert counts == {"examples": 4, "redacted": 1, "duplicates": 1, "groups": 3}
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_intent = {b["intent"]: [e["text"] for e in b["examples"]] for b in doc["nlu"]}
    assert by_intent == {"ask_materials": ["unblock my e-port usb key what papers",
                                           "papers to unblock the e-port usb key"],
                         "out_of_scope": ["明天北京会下雨吗", "明天北京會下雨嗎"]}
    assert "company rename not in the sources" in path.read_text(encoding="utf-8")
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "data", "validate", "--fail-on-warnings", "--domain", "rasa_project/domain.yml",
         "--config", "rasa_project/config.yml", "--data", "rasa_project/data", str(path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_export_never_writes_into_the_training_data(store: ReviewStore) -> None:
    with pytest.raises(ValueError):
        write_export(store, PROJECT_ROOT / "rasa_project" / "data" / "nlu" / "review.yml")
    assert not (PROJECT_ROOT / "rasa_project" / "data" / "nlu" / "review.yml").exists()


def test_charts_are_well_formed_svg_with_the_counts_and_escaped_text(
        store: ReviewStore, kb: KnowledgeBase) -> None:
    import xml.etree.ElementTree as ET

    from review.report import chart_svgs

    store.record(refused('<script>alert("x")</script> & 天气'))
    store.record(Turn(lang="en", channel="wechat", kind="answer", sender="a",
                      procedure_id="eport_unlock", facet="materials"))
    charts = {c["id"]: c["svg"] for c in chart_svgs(store, kb, days=7)}
    assert set(charts) == {"by_lang", "by_channel", "outcomes", "procedures", "facets",
                           "unanswered"}
    for svg in charts.values():
        ET.fromstring(svg)  # parses: no duplicate attribute, no raw markup
    assert "<script>" not in charts["unanswered"] and "&lt;script&gt;" in charts["unanswered"]
    assert 'data-series="wechat" data-count="1"' in charts["by_channel"]
    assert 'data-series="out_of_scope" data-count="1"' in charts["outcomes"]
