"""Validate the knowledge YAML files and build the database from them.

Run ``python -m knowledge build`` (or ``check``). Bad data is refused with every problem
listed as ``file: entry 'id': what is wrong`` so the author can fix the file, never the code.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge import seeds
from knowledge.db import DATA_DIR, knowledge_url, make_engine
from knowledge.terms import SEPARATE_VOCABULARIES
from knowledge.text import normalise

log = logging.getLogger(__name__)

BILINGUAL_KEYS = {"zh", "en"}
CHANNEL_WORDS = {"online", "on_site", "courier"}
ITEM_SECTIONS = {"steps": "step", "notes": "note", "collect": "collect"}


class KnowledgeError(ValueError):
    """The data files are not fit to build from; the message lists every problem."""

    def __init__(self, problems: list[str]):
        super().__init__("knowledge data rejected:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass
class Dataset:
    """Every record of the data files, by kind, with the file each came from."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    origin: dict[tuple[str, str], str] = field(default_factory=dict)

    def ids(self, kind: str) -> set[str]:
        return {str(r["id"]) for r in self.records.get(kind, [])}


FILES: dict[str, str] = {
    "sources": "sources.yaml",
    "key_types": "key_types.yaml",
    "kinds": "kinds.yaml",
    "channels": "channels.yaml",
    "regions": "regions.yaml",
    "materials": "materials.yaml",
    "contacts": "contacts.yaml",
    "passwords": "passwords.yaml",
    "topics": "topics.yaml",
    "conflicts": "conflicts.yaml",
    "facets": "facets.yaml",
    "lookalikes": "lookalikes.yaml",
    "languages": "languages.yaml",
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "sources": ("file", "title", "authority"),
    "key_types": ("name", "short", "source"),
    "kinds": ("name", "source"),
    "channels": ("name", "source"),
    "regions": ("name", "source"),
    "materials": ("name", "source"),
    "contacts": ("label", "value", "source"),
    "passwords": ("system", "password", "source"),
    "topics": ("name", "text", "source"),
    "conflicts": ("topic", "applies_to", "values"),
    "facets": ("aliases",),
    "lookalikes": ("aliases",),
    "languages": ("aliases",),
    "procedures": ("kind", "name", "source", "materials"),
    "office_groups": ("name", "source"),
    "hours": ("weekday_periods", "text", "source"),
    "offices": ("group", "name", "source"),
}


def read_dataset(data_dir: Path = DATA_DIR) -> Dataset:
    """Read every data file; a file that is not valid YAML is reported, not raised raw."""
    ds = Dataset()
    problems: list[str] = []

    def add(kind: str, fname: str, rows: Any) -> None:
        if not isinstance(rows, list):
            problems.append(f"{fname}: expected a list of records for {kind}")
            return
        for row in rows:
            if not isinstance(row, dict) or "id" not in row:
                problems.append(f"{fname}: a {kind} record has no id: {str(row)[:60]}")
                continue
            row["id"] = str(row["id"])
            ds.records.setdefault(kind, []).append(row)
            if (kind, row["id"]) in ds.origin:
                problems.append(f"{fname}: entry '{row['id']}': duplicate {kind} id "
                                f"(also in {ds.origin[(kind, row['id'])]})")
            ds.origin.setdefault((kind, row["id"]), fname)

    def load(path: Path) -> Any:
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path.relative_to(data_dir)}: cannot read: {exc}")
            return None

    for kind, fname in FILES.items():
        path = data_dir / fname
        if not path.exists():
            problems.append(f"{fname}: missing file")
            continue
        add(kind, fname, load(path))
    for path in sorted((data_dir / "procedures").glob("*.yaml")):
        add("procedures", f"procedures/{path.name}", load(path))
    offices = load(data_dir / "offices.yaml") if (data_dir / "offices.yaml").exists() else None
    if not isinstance(offices, dict):
        problems.append("offices.yaml: expected a mapping with groups, hours and offices")
    else:
        for kind, key in (("office_groups", "groups"), ("hours", "hours"), ("offices", "offices")):
            add(kind, "offices.yaml", offices.get(key))
    phrases = load(data_dir / "phrases.yaml") if (data_dir / "phrases.yaml").exists() else None
    if not isinstance(phrases, dict):
        problems.append("phrases.yaml: expected a mapping of phrase id to {zh, en}")
    else:
        add("phrases", "phrases.yaml", [{"id": k, "text": v} for k, v in phrases.items()])
    if problems:
        raise KnowledgeError(problems)
    return ds


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _walk(sub, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _walk(sub, f"{path}[{i}]")


def validate(ds: Dataset) -> None:
    """Raise KnowledgeError listing every problem; return quietly when the data is sound."""
    problems: list[str] = []
    source_ids = ds.ids("sources")

    def bad(kind: str, rid: str, what: str) -> None:
        problems.append(f"{ds.origin[(kind, rid)]}: entry '{rid}': {what}")

    def refs(kind: str, rid: str, what: str, ids: Iterable[Any], known: set[str]) -> None:
        for ref in ids or []:
            if str(ref) not in known:
                bad(kind, rid, f"unknown {what} '{ref}'")

    for kind, rows in ds.records.items():
        for row in rows:
            rid = row["id"]
            for fname in REQUIRED.get(kind, ()):
                if row.get(fname) in (None, "", [], {}):
                    bad(kind, rid, f"missing {fname}")
            for path, value in _walk(row):
                extra = set(value) - BILINGUAL_KEYS if isinstance(value, dict) else set()
                if extra and set(value) >= BILINGUAL_KEYS and all(
                        value[k] is None for k in extra):
                    # {zh: a, en: b, c} : an unquoted comma in the English cut it short
                    bad(kind, rid, f"text at {path} was split by an unquoted comma: quote it")
                if isinstance(value, dict) and value and set(value) <= BILINGUAL_KEYS:
                    if all(isinstance(v, list) for v in value.values()):
                        continue  # aliases: per-language lists, may be empty
                    for lang in sorted(BILINGUAL_KEYS):
                        text = value.get(lang)
                        if not isinstance(text, str) or not text.strip():
                            bad(kind, rid, f"missing {lang} translation at {path}")
                if path.endswith("source") and kind != "sources":
                    src = str(value).split(" ", 1)[0]
                    if src not in source_ids:
                        bad(kind, rid, f"unknown source '{value}' at {path}")

    ids = {k: ds.ids(k) for k in list(ds.records) + ["procedures"]}
    for reg in ds.records.get("regions", []):
        if reg.get("within") is not None:
            refs("regions", reg["id"], "region it is within", [reg["within"]], ids["regions"])
    for p in ds.records.get("procedures", []):
        rid = p["id"]
        if p.get("key_type") is not None:
            refs("procedures", rid, "key type", [p["key_type"]], ids["key_types"])
        refs("procedures", rid, "kind", [p.get("kind")], ids["kinds"])
        if p.get("variant") is not None:
            refs("procedures", rid, "variant", [p["variant"]], ids["channels"])
        if p.get("region") is not None:
            refs("procedures", rid, "region", [p["region"]], ids["regions"])
        refs("procedures", rid, "material",
             [x.get("material") for x in p.get("materials") or []], ids["materials"])
        refs("procedures", rid, "channel", p.get("channels"), CHANNEL_WORDS)
        refs("procedures", rid, "office group", p.get("offices"), ids["office_groups"])
        refs("procedures", rid, "password", p.get("passwords"), ids["passwords"])
        refs("procedures", rid, "contact", p.get("contacts"), ids["contacts"])
        for t in p.get("times") or []:
            if t.get("working_days") is not None and not isinstance(t["working_days"], int):
                bad("procedures", rid, f"working_days must be an integer: {t['working_days']!r}")
    for t in ds.records.get("topics", []):
        refs("topics", t["id"], "contact", t.get("contacts"), ids["contacts"])
        if t.get("not_covered") and not t.get("contacts"):
            bad("topics", t["id"], "a topic the sources do not cover must give contacts to ask")
    for o in ds.records.get("offices", []):
        refs("offices", o["id"], "office group", [o.get("group")], ids["office_groups"])
        if o.get("hours") is not None:
            refs("offices", o["id"], "hours", [o["hours"]], ids["hours"])
        if o.get("region") is not None:
            refs("offices", o["id"], "region", [o["region"]], ids["regions"])
    for c in ds.records.get("conflicts", []):
        refs("conflicts", c["id"], "procedure", c.get("applies_to"), ids["procedures"])
        if len(c.get("values") or []) < 2:
            bad("conflicts", c["id"], "a conflict needs at least two values")
    if not problems:
        problems += scope_problems(ds)
    if problems:
        raise KnowledgeError(problems)


# --- scope: which procedures a source section speaks about (sources.yaml `scope`) ----------

SCOPE_STATES = {"fee", "materials"}


@dataclass(frozen=True)
class Section:
    """One entry of a source's scope table: a section and the procedures it speaks about."""

    doc: str
    key: str  # "§2 step 3", or "*" for the whole document
    procedures: frozenset[str]
    states: frozenset[str]


def scope_table(ds: Dataset) -> dict[str, dict[str, Section]]:
    """Every source's declared sections, by document id and section key."""
    table: dict[str, dict[str, Section]] = {}
    for src in ds.records.get("sources", []):
        entries = table.setdefault(src["id"], {})
        for key, value in (src.get("scope") or {}).items():
            body = value if isinstance(value, dict) else {"procedures": value}
            entries[str(key)] = Section(src["id"], str(key),
                                        frozenset(body.get("procedures") or []),
                                        frozenset(body.get("states") or []))
    return table


def section_of(table: dict[str, dict[str, Section]], ref: str) -> Section | None:
    """The declared section a citation falls in: the longest key that starts it, else "*"."""
    doc, _, rest = str(ref).partition(" ")
    entries = table.get(doc, {})
    best: Section | None = None
    for key, section in entries.items():
        if key == "*" or not rest.startswith(key):
            continue
        if len(rest) > len(key) and rest[len(key)].isalnum():
            continue  # "I" does not start "II(I)"
        if best is None or len(key) > len(best.key):
            best = section
    return best or entries.get("*")


def _procedure_facts(p: dict[str, Any]) -> Iterator[tuple[str, str, dict | None]]:
    """(where, citation, text) of every cited fact of a procedure record."""
    yield "source", p["source"], None
    for i, mat in enumerate(p.get("materials") or []):
        yield f"materials[{i}]", mat.get("source", p["source"]), mat.get("qualifier")
    for key in (*ITEM_SECTIONS, "times"):
        for i, item in enumerate(p.get(key) or []):
            yield f"{key}[{i}]", item.get("source", p["source"]), item.get("text")
    if p.get("fee"):
        yield "fee", p["fee"].get("source", p["source"]), p["fee"].get("text")


def _names_region(text: dict | None, region: dict) -> bool:
    return bool(text) and all(region[lang] in str(text.get(lang, "")) for lang in ("zh", "en"))


def scope_problems(ds: Dataset) -> list[str]:
    """Facts beyond their section's scope, conflicts beyond their sources' scope, regional
    facts that do not name their region, and what a section states for every procedure in
    its scope (a fee; a material list to be reconciled in a conflict) but the data leaves out.
    """
    problems: list[str] = []
    table = scope_table(ds)
    regions = {s["id"]: s["region"] for s in ds.records.get("sources", []) if s.get("region")}
    procedures = {p["id"]: p for p in ds.records.get("procedures", [])}

    def bad(kind: str, rid: str, what: str) -> None:
        problems.append(f"{ds.origin[(kind, rid)]}: entry '{rid}': {what}")

    for doc, entries in table.items():
        for section in entries.values():
            for pid in sorted(section.procedures - set(procedures)):
                bad("sources", doc, f"scope of '{section.key}' names unknown procedure '{pid}'")
            for state in sorted(section.states - SCOPE_STATES):
                bad("sources", doc, f"scope of '{section.key}' states unknown '{state}'")

    def check(kind: str, rid: str, where: str, ref: str, pids: Iterable[str],
              text: dict | None) -> None:
        section = section_of(table, ref)
        if section is None:
            bad(kind, rid, f"{where} cites '{ref}', a section no scope in sources.yaml declares")
            return
        for pid in pids:
            if pid not in section.procedures:
                bad(kind, rid, f"{where} cites '{ref}', whose scope ({section.doc} "
                               f"{section.key}) does not include procedure '{pid}'")
            region = regions.get(section.doc)
            if (region and text is not None and procedures[pid].get("region") != region["id"]
                    and not _names_region(text, region)):
                bad(kind, rid, f"{where} cites '{ref}', which speaks for {region['en']} only, "
                               f"but its text does not say {region['zh']} / {region['en']}")

    for pid, p in procedures.items():
        for where, ref, text in _procedure_facts(p):
            check("procedures", pid, where, ref, [pid], text)
    for c in ds.records.get("conflicts", []):
        for i, value in enumerate(c.get("values") or []):
            check("conflicts", c["id"], f"values[{i}]", value.get("source", ""),
                  [pid for pid in c.get("applies_to") or [] if pid in procedures],
                  value.get("text"))

    for entries in table.values():
        for section in entries.values():
            if "fee" in section.states:
                for pid in sorted(section.procedures & set(procedures)):
                    if not procedures[pid].get("fee"):
                        bad("procedures", pid, f"no fee, but {section.doc} {section.key} "
                                               "states the fee of every procedure in its scope")

    material_conflicts: dict[str, set[str]] = {}
    for c in ds.records.get("conflicts", []):
        if not c.get("facets") or "materials" in c["facets"]:
            docs = {str(v.get("source", "")).split(" ", 1)[0] for v in c.get("values") or []}
            for pid in c.get("applies_to") or []:
                material_conflicts.setdefault(pid, set()).update(docs)
    for pid in procedures:
        listing = sorted({s.doc for entries in table.values() for s in entries.values()
                          if "materials" in s.states and pid in s.procedures})
        missing = set(listing) - material_conflicts.get(pid, set())
        if len(listing) > 1 and missing:
            bad("procedures", pid, f"sources {', '.join(listing)} each list its materials, but "
                                   f"no materials conflict records {', '.join(sorted(missing))}")
    return problems


def _terms(ds: Dataset) -> Iterator[m.Term]:
    """Aliases and names of every record users can point at, in matching form."""
    entity_of = {"key_types": "key_type", "kinds": "kind", "channels": "channel",
                 "regions": "region", "procedures": "procedure", "office_groups": "office_group",
                 "passwords": "password", "topics": "topic", "materials": "material",
                 "facets": "facet", "lookalikes": "lookalike", "languages": "language"}
    seen: set[tuple[str, str, str]] = set()
    for kind, entity in entity_of.items():
        for row in ds.records.get(kind, []):
            # A document is named by its short aliases only: "电子钥匙" is the key itself.
            names = {} if kind == "materials" else (row.get("name") or row.get("system") or {})
            aliases = row.get("aliases") or {}
            for lang in ("zh", "en"):
                words = list(aliases.get(lang) or [])
                if isinstance(names.get(lang), str):
                    words.append(names[lang])
                for word in words:
                    term = normalise(str(word)).strip()
                    if term and (term, entity, row["id"]) not in seen:
                        seen.add((term, entity, row["id"]))
                        yield m.Term(term=term, lang=lang, entity=entity, target_id=row["id"])


def _rows(ds: Dataset) -> Iterator[Any]:
    r = ds.records
    for s in r["sources"]:
        yield m.Source(id=s["id"], file=s["file"], language=s.get("language", ""),
                       title=s["title"], authority=s["authority"])
    for k in r["key_types"]:
        yield m.KeyType(id=k["id"], name=k["name"], short=k["short"], source=k["source"])
    for k in r["kinds"]:
        yield m.Kind(id=k["id"], name=k["name"], weak=bool(k.get("weak")), source=k["source"])
    for model, kind in ((m.Channel, "channels"), (m.Material, "materials")):
        for row in r.get(kind, []):
            yield model(id=row["id"], name=row["name"], source=row["source"])
    for row in r.get("regions", []):
        yield m.Region(id=row["id"], name=row["name"], source=row["source"],
                       within=row.get("within"))
    for g in r.get("office_groups", []):
        yield m.OfficeGroup(id=g["id"], name=g["name"], source=g["source"],
                            notes=g.get("notes") or [])
    for h in r.get("hours", []):
        yield m.OpeningHours(id=h["id"], weekday_periods=h["weekday_periods"],
                             saturday_periods=h.get("saturday_periods") or [],
                             saturday_by_reservation=bool(h.get("saturday_by_reservation")),
                             saturday_except_holidays=h.get("saturday_except_holidays", True),
                             text=h["text"], source=h["source"])
    for o in r.get("offices", []):
        yield m.Office(id=o["id"], group_id=o["group"], name=o["name"], address=o.get("address"),
                       region=o.get("region"), district=o.get("district"),
                       phone=o.get("phone"), hours_id=o.get("hours"), note=o.get("note"),
                       source=o["source"])
    for c in r["contacts"]:
        yield m.Contact(id=c["id"], label=c["label"], value=str(c["value"]),
                        also=c.get("also") or [], source=c["source"])
    for p in r["passwords"]:
        yield m.Password(id=p["id"], system=p["system"], password=str(p["password"]),
                         note=p.get("note"), source=p["source"])
    for t in r["topics"]:
        yield m.Topic(id=t["id"], name=t["name"], text=t["text"], source=t["source"],
                      not_covered=bool(t.get("not_covered")),
                      contact_ids=t.get("contacts") or [])
    for c in r["conflicts"]:
        yield m.Conflict(id=c["id"], topic=c["topic"], applies_to=c["applies_to"],
                         facets=c.get("facets") or [], values=c["values"])
    for ph in r.get("phrases", []):
        yield m.Phrase(id=ph["id"], text=ph["text"])
    for p in r["procedures"]:
        yield m.Procedure(
            id=p["id"], key_type_id=p.get("key_type"), kind_id=p["kind"],
            variant=p.get("variant"), region=p.get("region"), name=p["name"],
            summary=p.get("summary"), source=p["source"], channels=p.get("channels") or [],
            office_groups=p.get("offices") or [], password_ids=p.get("passwords") or [],
            contact_ids=p.get("contacts") or [], fee=p.get("fee"))
        for i, mat in enumerate(p["materials"]):
            yield m.ProcedureMaterial(procedure_id=p["id"], position=i,
                                      material_id=mat["material"], qualifier=mat.get("qualifier"),
                                      source=mat.get("source", p["source"]))
        for key, section in ITEM_SECTIONS.items():
            for i, item in enumerate(p.get(key) or []):
                yield m.ProcedureItem(procedure_id=p["id"], section=section, position=i,
                                      text=item["text"], source=item.get("source", p["source"]))
        for i, t in enumerate(p.get("times") or []):
            yield m.TimeLimit(procedure_id=p["id"], position=i, stage=t["stage"],
                              working_days=t.get("working_days"), text=t["text"],
                              source=t.get("source", p["source"]))
    yield from _terms(ds)


def citations(ds: Dataset, data_dir: Path = DATA_DIR) -> list[str]:
    """Every `source:` the data cites, once each, in order: the passages users can open."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("source"), str):
                found[value["source"]] = None
            for sub in value.values():
                walk(sub)
        elif isinstance(value, list):
            for sub in value:
                walk(sub)

    for kind, rows in ds.records.items():
        if kind not in {"sources", "phrases"}:
            walk(rows)
    workflows = data_dir / "workflows.yaml"
    if workflows.exists():
        walk(yaml.safe_load(workflows.read_text(encoding="utf-8")))
    return list(found)


def _passages(ds: Dataset, data_dir: Path) -> Iterator[m.SourcePassage]:
    """The seed's words at each citation; none when the seeds are not beside the project."""
    if not seeds.available():
        log.warning("seed documents not found in %s: sources will not open "
                    "(set EKEY_SEEDS_DIR)", seeds.SEEDS)
        return
    known = {s["id"] for s in ds.records["sources"]}
    for ref in citations(ds, data_dir):
        doc = ref.split(" ", 1)[0]
        try:
            parts = seeds.passages_for(ref) if doc in known else []
        except KeyError:
            parts = []
        if not parts:
            raise KnowledgeError([f"a citation names no text of its seed: '{ref}'"])
        yield m.SourcePassage(ref=ref, source_id=doc, parts=parts)


def build(url: str | None = None, data_dir: Path = DATA_DIR) -> Dataset:
    """Validate, then replace the knowledge tables in one transaction.

    For the embedded SQLite file the database is written beside the target and moved into
    place, so a running assistant never reads a half-built file.
    """
    ds = read_dataset(data_dir)
    validate(ds)
    target = url or knowledge_url()
    sqlite_path = (Path(target.removeprefix("sqlite:///"))
                   if target.startswith("sqlite:///") else None)
    write_url = f"sqlite:///{sqlite_path}.building" if sqlite_path else target
    if sqlite_path:
        Path(f"{sqlite_path}.building").unlink(missing_ok=True)
    engine = make_engine(write_url)
    with engine.begin() as conn:  # one transaction: readers never see empty tables
        # The tables hold nothing but this build: recreated, so a new column needs no migration.
        m.Base.metadata.drop_all(conn)
        m.Base.metadata.create_all(conn)
        session = Session(bind=conn, future=True)
        session.add_all(list(_rows(ds)))
        session.flush()  # the sources first: passages refer to them
        session.add_all(list(_passages(ds, data_dir)))
        session.add(m.BuildInfo(key="data_files", value=str(len(ds.origin))))
        session.flush()
        session.close()
    engine.dispose()
    if sqlite_path:
        os.replace(f"{sqlite_path}.building", sqlite_path)
    return ds


def write_jieba_userdict(ds: Dataset, path: Path) -> None:
    """jieba's user dictionary: the Chinese terms, so 电子口岸 or 营业执照 stay one token."""
    # Facet cues and look-alikes are matched on their own: kept out so editing them never
    # retrains the model.
    words = sorted({t.term.replace(" ", "") for t in _terms(ds)
                    if not t.term.isascii() and t.entity not in SEPARATE_VOCABULARIES})
    content = "".join(f"{w} 2000 n\n" for w in words)
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return  # unchanged: keep the file's age so the model is not retrained for nothing
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


if __name__ == "__main__":
    import sys

    from knowledge.__main__ import main

    sys.exit(main(["check"]))
