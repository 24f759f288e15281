"""Every citation in the knowledge base names a section of its seed that exists, and says what
that section says: the numbers a fact gives, the words it quotes and the names of the 003
materials are written there. Also: a seed section that calls its list partial is said to be
partial wherever the list is shown.

This is what catches a fact cited to the wrong section (the activation email was cited to 003,
which never mentions it; the additional key's form qualifier cited step 6 for what step 2
says) and a text that claims more than its section (a number or quote found nowhere there).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import seed_text
import yaml

from knowledge.db import DATA_DIR
from knowledge.loader import read_dataset, scope_table

pytestmark = pytest.mark.skipif(not seed_text.available(),
                                reason="the seed documents (../shared/seeds) are not here")

ENGLISH_SEEDS = {"000", "001", "002", "004"}


def cited_facts() -> Iterator[tuple[str, str, dict[str, str] | None]]:
    """(where, citation, bilingual text or None) for every `source:` in knowledge/data."""
    ds = read_dataset()

    def walk(where: str, value: Any) -> Iterator[tuple[str, str, dict[str, str] | None]]:
        if isinstance(value, dict):
            ref = value.get("source")
            if isinstance(ref, str):
                text = value.get("text") or value.get("qualifier")
                if where.startswith("offices") and "address" in value:
                    text = {lang: " ".join(pick(value, lang, "name", "address", "note"))
                            for lang in ("zh", "en")}
                if where.startswith("contacts"):
                    text = {"zh": str(value["value"]), "en": str(value["value"])}
                if where.startswith("passwords"):
                    text = {lang: f"{value['password']} {pick_one(value.get('note'), lang)}"
                            for lang in ("zh", "en")}
                yield where, ref, text if isinstance(text, dict) else None
            for key, sub in value.items():
                if key != "source":
                    yield from walk(f"{where}.{key}", sub)
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from walk(f"{where}[{i}]", sub)

    for kind, rows in ds.records.items():
        if kind in {"sources", "phrases"}:
            continue
        for row in rows:
            yield from walk(f"{kind} '{row['id']}'", row)
    for flow in yaml.safe_load((DATA_DIR / "workflows.yaml").read_text(encoding="utf-8")):
        yield f"workflows '{flow['id']}'", flow["source"], None


def pick_one(text: dict | None, lang: str) -> str:
    return str((text or {}).get(lang) or "")


def pick(record: dict, lang: str, *keys: str) -> list[str]:
    return [pick_one(record.get(k), lang) if isinstance(record.get(k), dict)
            else str(record.get(k) or "") for k in keys]


FACTS = list(cited_facts())
WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
         "seven": "7", "eight": "8", "nine": "9", "ten": "10", "first": "1", "second": "2",
         "third": "3", "fourth": "4", "fifth": "5"}


def seed_numbers(ref: str) -> set[str]:
    """The numbers a fact citing `ref` may give: the section's digits, its English number
    words ("five working days", "the third step"), the section's own numbers ("step 4") and
    the documents' ids ("003" when a value names its source)."""
    text = seed_text.section_text(ref)
    found = seed_text.numbers(text) | seed_text.numbers(ref.split(" ", 1)[-1])
    for word, digit in WORDS.items():
        if f" {word} " in f" {text.lower()} ":
            found.add(digit)
    return found | set(seed_text.DOC_FILES)


def test_the_data_cites_something() -> None:
    assert len(FACTS) > 250
    assert any(ref.startswith("003 §4(2) step") for _, ref, _ in FACTS)


@pytest.mark.parametrize(("where", "ref"), sorted({(w, r) for w, r, _ in FACTS}))
def test_every_citation_names_a_section_that_exists(where: str, ref: str) -> None:
    assert seed_text.section_text(ref).strip(), f"{where}: '{ref}' is empty"


def test_every_scope_section_exists() -> None:
    for doc, entries in scope_table(read_dataset()).items():
        for key in entries:
            ref = doc if key == "*" else f"{doc} {key}"
            assert seed_text.section_text(ref).strip(), ref


def test_numbers_in_a_fact_are_written_in_its_section() -> None:
    wrong = []
    for where, ref, text in FACTS:
        if not text:
            continue
        section = seed_numbers(ref)
        for lang in ("zh", "en"):
            extra = seed_text.numbers(text.get(lang) or "") - section
            if extra:
                wrong.append(f"{where} ({lang}) cites '{ref}' for {sorted(extra)}")
    assert not wrong, "\n".join(wrong)


def test_what_a_fact_quotes_is_in_its_section() -> None:
    """Quotes are checked in the seed's own language (003 in Chinese, the others in English)."""
    wrong = []
    for where, ref, text in FACTS:
        if not text:
            continue
        doc = ref.split(" ", 1)[0]
        lang = "en" if doc in ENGLISH_SEEDS else "zh"
        section = seed_text.normalised(seed_text.section_text(ref))
        for quoted in seed_text.quotes(text.get(lang) or ""):
            if seed_text.normalised(quoted) not in section:
                wrong.append(f"{where} ({lang}) quotes “{quoted}”, not in '{ref}'")
    assert not wrong, "\n".join(wrong)


def test_the_003_materials_are_named_as_their_section_names_them() -> None:
    ds = read_dataset()
    names = {m["id"]: m["name"]["zh"] for m in ds.records["materials"]}
    wrong = []
    for m in ds.records["materials"]:
        if m["source"].startswith("003"):
            wrong += [m["id"]] if not named_in(names[m["id"]], m["source"]) else []
    for p in ds.records["procedures"]:
        for item in p["materials"]:
            ref = item.get("source", p["source"])
            if ref.startswith("003") and not named_in(names[item["material"]], ref):
                wrong.append(f"{p['id']}: {item['material']} is not named in '{ref}'")
    assert not wrong, "\n".join(wrong)


def named_in(name: str, ref: str) -> bool:
    return seed_text.normalised(name.strip("《》")) in seed_text.normalised(
        seed_text.section_text(ref))


PARTIAL = ("only some", "not all", "部分", "仅列")


def test_a_list_its_source_calls_partial_says_so_under_every_list() -> None:
    """002 heads its customs offices "only some are listed": the group must carry that note."""
    checked = 0
    for group in read_dataset().records["office_groups"]:
        section = seed_text.section_text(group["source"]).lower()
        if any(word in section for word in PARTIAL):
            checked += 1
            notes = group.get("notes") or []
            assert any(n["source"] == group["source"] for n in notes), group["id"]
            said = " ".join(n["text"]["en"].lower() + n["text"]["zh"] for n in notes)
            assert any(word in said for word in PARTIAL), group["id"]
    assert checked >= 1  # 002 II(I), the Beijing customs offices
