"""Labelled groups as Rasa NLU YAML, for a developer to review and merge by hand.

Written under var/ (`make review-export`, or the console's export button), never into
rasa_project/data/: what users typed is evidence, not yet training data. Each example keeps
its group, the key type and procedure staff picked, and the verdict as Rasa example
metadata, so the reviewer sees why it is there. Left out, and counted in the header:
examples holding a redaction placeholder (<PHONE>, <REF>: nothing to learn from a masked
number), examples the project's training data already has (under any intent: a duplicate
would only make `rasa data validate` warn), "missing fact" and "ignore" labels (listed in the
header as comments: they are work for the knowledge base, not the classifier).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from knowledge.db import PROJECT_ROOT, VAR_DIR
from knowledge.workdays import TZ
from rasa_project.intents import INTENT_OF_FACET
from review.redact import is_redacted
from review.store import ReviewStore

NLU_DIR = PROJECT_ROOT / "rasa_project" / "data" / "nlu"
OUT_OF_SCOPE_INTENT = "out_of_scope"


def export_path() -> Path:
    return VAR_DIR / "review" / "review_nlu.yml"


def existing_examples(nlu_dir: Path = NLU_DIR) -> set[str]:
    """Every example text of the project's NLU data, folded as Rasa compares them."""
    out: set[str] = set()
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            examples = block.get("examples") if isinstance(block, dict) else None
            if isinstance(examples, str):
                out.update(line[2:].strip() for line in examples.splitlines()
                           if line.startswith("- "))
    return out


def _intent(verdict: str, facet: str | None) -> str | None:
    if verdict == "out_of_scope":
        return OUT_OF_SCOPE_INTENT
    if verdict == "facet":
        return INTENT_OF_FACET.get(facet or "")
    return None


def nlu_document(store: ReviewStore) -> tuple[str, dict[str, int]]:
    """The YAML text and what went in or was left out."""
    known = existing_examples()
    texts = {t.id: t.text for t in store.captured()}
    by_intent: dict[str, list[dict[str, Any]]] = {}
    notes: list[str] = []
    counts = {"examples": 0, "redacted": 0, "duplicates": 0, "groups": 0}
    seen: set[str] = set()
    for label in sorted(store.labels().values(), key=lambda lb: lb.id):
        members = [texts[i].strip() for i in sorted(label.turn_ids) if i in texts]
        if not members:
            continue
        intent = _intent(label.verdict, label.facet)
        if intent is None:
            if label.verdict == "missing_fact":
                notes.append(f"missing fact (group g{min(label.turn_ids)}, {len(members)} "
                             f"messages): {label.note or '-'}")
            continue
        counts["groups"] += 1
        for text in members:
            text = " ".join(text.split())
            if is_redacted(text):
                counts["redacted"] += 1
                continue
            if text in known or text in seen:
                counts["duplicates"] += 1
                continue
            seen.add(text)
            meta = {"review_group": f"g{min(label.turn_ids)}", "verdict": label.verdict}
            meta.update({k: v for k, v in (("facet", label.facet), ("key_type", label.key_type),
                                           ("procedure", label.procedure_id)) if v})
            by_intent.setdefault(intent, []).append({"text": text, "metadata": meta})
            counts["examples"] += 1
    header = [
        "# Examples from the review inbox, labelled by staff. Review before merging any of",
        "# them into rasa_project/data/nlu/ (never from rasa_project/tests/ or the eval sets).",
        f"# Written {datetime.now(TZ).isoformat(timespec='minutes')} (Asia/Shanghai): "
        f"{counts['examples']} examples from {counts['groups']} groups; left out "
        f"{counts['redacted']} with a masked value, {counts['duplicates']} already known.",
        *[f"# {line}" for line in notes],
    ]
    body = {"version": "3.1", "nlu": [{"intent": intent, "examples": examples}
                                      for intent, examples in sorted(by_intent.items())]}
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(header) + "\n" + text, counts


def write_export(store: ReviewStore, path: Path | None = None) -> tuple[Path, dict[str, int]]:
    path = (path or export_path()).resolve()
    if path.is_relative_to(PROJECT_ROOT / "rasa_project"):
        raise ValueError("the export is for review: it is never written into rasa_project/")
    text, counts = nlu_document(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, counts
