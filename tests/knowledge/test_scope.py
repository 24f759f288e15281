"""Scope: no fact goes beyond what its source section speaks about (sources.yaml `scope`).

The classes of defect the seed audit of issue 14 found, each as a rule the loader enforces on
any data, shown here by breaking a copy of the data the way the audit found it broken:
- a fact or conflict stretched to procedures its section does not speak about (001's 200 KB
  scan limit applied to additional keys and renewals);
- a regional fact that does not say it is regional;
- a section that states a fee for every procedure in its scope, and a procedure without it
  (000 §4: a Beijing reissue was answered "fee not stated");
- two documents listing materials for one procedure with no conflict recording both (004 and
  002 on the E-port card; 000 and 003 on the offline first application);
- something the sources do not cover routed to a procedure (a name change to 信息变更).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import edit, problems

from knowledge.db import DATA_DIR
from knowledge.loader import (
    read_dataset,
    scope_problems,
    scope_table,
    section_of,
)
from knowledge.query import KnowledgeBase


def by_id(rows: list[dict], rid: str) -> dict:
    return next(r for r in rows if r["id"] == rid)


def test_the_shipped_data_is_within_scope() -> None:
    assert scope_problems(read_dataset()) == []


def test_a_citation_falls_in_its_longest_declared_section() -> None:
    table = scope_table(read_dataset())
    assert section_of(table, "003 §1(1) step 4-5").key == "§1(1) step 4"
    assert section_of(table, "003 §1(1) step 6").key == "§1(1)"
    assert section_of(table, "003 §2 2(1)").key == "§2"
    assert section_of(table, "002 II(I)(2)").key == "II"      # "I" does not start "II"
    assert section_of(table, "004 steps 1-4").key == "*"
    assert section_of(table, "999 §1") is None


# --- a fact beyond its section's scope -----------------------------------------------------

def test_a_conflict_applied_beyond_its_sources_is_refused(data_copy: Path) -> None:
    def stretch(rows):  # how the audit found it: 001's 200 KB applied to additional keys
        by_id(rows, "scan_size_limit")["applies_to"] += ["mofcom_additional"]

    edit(data_copy / "conflicts.yaml", stretch)
    message = problems(data_copy)
    assert ("conflicts.yaml: entry 'scan_size_limit': values[0] cites '001 §1 step 4', whose "
            "scope (001 §1 step 4) does not include procedure 'mofcom_additional'") in message


def test_a_step_cited_to_another_procedures_section_is_refused(data_copy: Path) -> None:
    path = data_copy / "procedures" / "mofcom_ekey.yaml"

    def borrow(rows):  # the online pre-application's status check, told to an unlock
        by_id(rows, "mofcom_unlock")["steps"].append(
            {"text": {"zh": "提交资料2个工作日后登录在线填报系统查询。",
                      "en": "Check the online system 2 working days after submitting."},
             "source": "003 §1(1) step 6"})

    edit(path, borrow)
    assert ("entry 'mofcom_unlock': steps[5] cites '003 §1(1) step 6', whose scope (003 §1(1)) "
            "does not include procedure 'mofcom_unlock'") in problems(data_copy)


def test_a_fact_from_a_document_about_other_procedures_is_refused(data_copy: Path) -> None:
    path = data_copy / "procedures" / "qualification.yaml"
    edit(path, lambda rows: rows[0]["notes"][0].update(source="003 §1(1) note"))
    assert ("entry 'import_export_qualification': notes[0] cites '003 §1(1) note', whose scope "
            "(003 §1(1)) does not include procedure 'import_export_qualification'"
            ) in problems(data_copy)


def test_a_regional_fact_must_name_its_region(data_copy: Path) -> None:
    path = data_copy / "procedures" / "mofcom_ekey.yaml"

    def unnamed(rows):
        fee = by_id(rows, "mofcom_unlock")["fee"]
        fee["text"] = {"zh": "免费。", "en": "Free of charge."}

    edit(path, unnamed)
    assert ("entry 'mofcom_unlock': fee cites '000 §4', which speaks for Beijing only, but its "
            "text does not say 北京 / Beijing") in problems(data_copy)


def test_a_scope_naming_an_unknown_procedure_is_refused(data_copy: Path) -> None:
    edit(data_copy / "sources.yaml",
         lambda rows: by_id(rows, "002")["scope"].update({"II(II)": ["ccb_card_service"]}))
    assert "scope of 'II(II)' names unknown procedure 'ccb_card_service'" in problems(data_copy)


# --- what a section states for every procedure in its scope --------------------------------

def test_every_procedure_the_beijing_bureau_handles_carries_the_beijing_fee(
        kb: KnowledgeBase) -> None:
    """000 §4 ("It is free of charge") speaks for the bureau, the issuing authority in Beijing
    of every MOFCOM procedure: each procedure handled at its windows is in that scope."""
    table = scope_table(read_dataset())
    fee_section = section_of(table, "000 §4")
    handled = {p.id for p in kb.procedures.values() if "beijing_commerce" in p.office_groups}
    assert handled and handled <= fee_section.procedures
    for pid in handled:
        fee = kb.fee_for(pid, "en")
        assert fee is not None, pid
        assert "free" in fee.text.lower()
        assert pid in section_of(table, fee.source).procedures


def test_a_beijing_procedure_without_its_fee_is_refused(data_copy: Path) -> None:
    path = data_copy / "procedures" / "mofcom_ekey.yaml"
    edit(path, lambda rows: by_id(rows, "mofcom_reissue").pop("fee"))
    assert ("procedures/mofcom_ekey.yaml: entry 'mofcom_reissue': no fee, but 000 §4 states the "
            "fee of every procedure in its scope") in problems(data_copy)


# --- a conflict missing from conflicts.yaml ------------------------------------------------

@pytest.mark.parametrize(("conflict", "procedure", "listing", "missing"), [
    ("eport_card_application", "eport_new_access_onsite", "002, 004", "002, 004"),
    ("eport_card_application", "import_export_qualification", "002, 004", "002, 004"),
    ("first_application_materials_offline", "mofcom_first_offline", "000, 003", "000, 003"),
    # the scan-size conflict (001 and 003, shown with materials) still stands: 000 is missing
    ("first_application_materials", "mofcom_first_online", "000, 001, 003", "000"),
])
def test_two_material_lists_without_a_conflict_are_refused(
        data_copy: Path, conflict: str, procedure: str, listing: str, missing: str) -> None:
    edit(data_copy / "conflicts.yaml",
         lambda rows: rows.remove(by_id(rows, conflict)))
    assert (f"entry '{procedure}': sources {listing} each list its materials, but no materials "
            f"conflict records {missing}") in problems(data_copy)


def test_every_procedure_listed_by_two_documents_shows_both_lists(kb: KnowledgeBase) -> None:
    table = scope_table(read_dataset())
    for pid in kb.procedures:
        docs = {s.doc for entries in table.values() for s in entries.values()
                if "materials" in s.states and pid in s.procedures}
        if len(docs) < 2:
            continue
        shown = {v.source.split(" ", 1)[0]
                 for c in kb.conflicts_for(pid, "materials", "zh") for v in c.values}
        assert docs <= shown, pid


# --- workflows serve every procedure in their list ------------------------------------------

def test_every_workflow_source_speaks_about_all_its_procedures() -> None:
    table = scope_table(read_dataset())
    flows = yaml.safe_load((DATA_DIR / "workflows.yaml").read_text(encoding="utf-8"))
    for flow in flows:
        section = section_of(table, flow["source"])
        assert section is not None, flow["id"]
        assert set(flow["procedures"]) <= section.procedures, flow["id"]


def test_no_shared_stage_tells_one_route_what_only_another_route_has() -> None:
    """The online system, its status page and the paper materials of step 8 belong to the
    online pre-application; a stage shared with offline routes names that route if it says so.
    """
    flows = yaml.safe_load((DATA_DIR / "workflows.yaml").read_text(encoding="utf-8"))
    online_only = ("在线填报系统", "纸质材料", "online reporting system", "paper documents")
    for flow in flows:
        if flow["procedures"] == ["mofcom_first_online"]:
            continue
        for stage in flow["stages"]:
            for field in ("meaning", "todo"):
                for lang, text in stage[field].items():
                    if any(word in text for word in online_only):
                        assert "在线预申请" in text or "online pre-application" in text, (
                            flow["id"], stage["id"], lang)


# --- not covered: answered as such, never routed to a procedure ------------------------------

def test_what_the_sources_do_not_cover_is_not_routed_to_a_procedure(kb: KnowledgeBase) -> None:
    ds = read_dataset()
    uncovered = [t for t in ds.records["topics"] if t.get("not_covered")]
    assert uncovered  # the company name change
    for topic in uncovered:
        assert topic["contacts"], topic["id"]
        for lang in ("zh", "en"):
            for alias in topic["aliases"][lang]:
                ents = kb.entities(f"{alias}")
                assert ents.get("topic") == [topic["id"]], alias
                assert "kind" not in ents and "procedure" not in ents, alias


def test_a_not_covered_topic_without_contacts_is_refused(data_copy: Path) -> None:
    edit(data_copy / "topics.yaml", lambda rows: by_id(rows, "name_change").pop("contacts"))
    assert ("topics.yaml: entry 'name_change': a topic the sources do not cover must give "
            "contacts to ask") in problems(data_copy)
