"""The seed documents cut into the sections the knowledge base cites ("003 §2 step 3").

The knowledge build stores each citation's passage from here (`passages_for`), so a user can
open a source and read what it says; the knowledge tests (as `seed_text`) check that a
citation names a section that exists and that what a fact quotes or counts is written there.
Each document has its own shape (003's 步骤(n), 001's "The fifth step", 002's (I)-(VI) ...),
so each has its own cutter; a section is a run of whole lines (000's last line is cut at its
sentences). The documents are read from EKEY_SEEDS_DIR, else ../shared/seeds beside the
project.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from runtime.settings import setting

SEEDS = Path(setting("EKEY_SEEDS_DIR")
             or Path(__file__).resolve().parents[1].parent / "shared" / "seeds")
DOC_FILES = {
    "000": "000_ef29cd6f3958e1b3.txt", "001": "001_7352549fbd53b7c8.txt",
    "002": "002_d1da6f888dc24059.txt", "003": "003_111f93f37829731b.txt",
    "004": "004_10dcd4ccf4557f30.txt",
}


def available() -> bool:
    return all((SEEDS / name).exists() for name in DOC_FILES.values())


def _lines(doc: str) -> list[str]:
    return (SEEDS / DOC_FILES[doc]).read_text(encoding="utf-8").splitlines()


def _runs(lines: list[str], starts: dict[int, str]) -> dict[str, str]:
    """Each started section runs to the line before the next start."""
    out: dict[str, str] = {}
    order = sorted(starts)
    for i, first in enumerate(order):
        last = order[i + 1] if i + 1 < len(order) else len(lines)
        out[starts[first]] = "\n".join(lines[first:last])
    return out


def _sections_000() -> dict[str, str]:
    lines = _lines("000")
    out = {f"materials {n}": lines[n - 1] for n in range(1, 6)}
    out["materials"] = "\n".join(lines[:5])
    heads = {i: f"§{line[0]}" for i, line in enumerate(lines)
             if i >= 5 and re.match(r"^[1-5]\. [A-Z][A-Za-z ]{3,30}$", line)}
    out.update(_runs(lines[:18], heads))
    last = lines[18]
    cut = last.index("For on-site collection")
    out["§5"] = "\n".join(lines[16:18])
    out["closing"] = last[:cut]
    out["collection"] = last[cut:]
    items = out["collection"]
    out["collection 1"] = items[items.index("1. "):items.index("2. ")]
    out["collection 2"] = items[items.index("2. "):]
    return out


def _sections_001() -> dict[str, str]:
    lines = _lines("001")
    ordinals = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
    out = {"intro": lines[0]}
    tops = {i: f"§{line[0]}" for i, line in enumerate(lines) if re.match(r"^[1-3]\. ", line)}
    out.update(_runs(lines, tops))
    first = min(k for k, v in tops.items() if v == "§1")
    last = min(k for k, v in tops.items() if v == "§2")
    steps: dict[int, str] = {}
    for i, line in enumerate(lines[first:last], first):
        m = re.match(r"^The (\w+) step|^Step (\d)", line)
        if m:
            steps[i] = f"§1 step {ordinals.get(m.group(1) or '', 0) or m.group(2)}"
    steps[last] = "§2"  # the steps end where §2 begins
    out.update({k: v for k, v in _runs(lines, steps).items() if k != "§2"})
    return out


def _sections_002() -> dict[str, str]:
    lines = _lines("002")
    out = {"intro": "\n".join(lines[:2])}
    top = ""
    starts: dict[int, str] = {}
    for i, line in enumerate(lines):
        if m := re.match(r"^(I|II)\. ", line):
            top = m.group(1)
            starts[i] = top
    out.update(_runs(lines, starts))
    subs: dict[int, str] = {}
    for i, line in enumerate(lines):
        if re.match(r"^(I|II)\. ", line):
            top = line.split(".")[0]
            subs[i] = f"{top} head"
        elif m := re.match(r"^\(([IVX]+)\) ", line):
            subs[i] = f"{top}({m.group(1)})"
        elif m := re.match(r"^Method (\d)", line):
            subs[i] = f"{top}(I) method {m.group(1)}"
        elif m := re.match(r"^\((\d)\) ", line):
            subs[i] = f"{top}(I)({m.group(1)})"
    runs = _runs(lines, subs)
    for key, text in runs.items():
        out[key] = text
    # a subsection runs over its methods / numbered offices
    for key in [k for k in out if re.fullmatch(r"(I|II)\([IVX]+\)", k)]:
        out[key] = "\n".join(v for k, v in runs.items() if k == key or k.startswith(key + " ")
                             or k.startswith(key + "("))
    return out


def _sections_003() -> dict[str, str]:
    lines = _lines("003")
    starts: dict[int, str] = {}
    top = sub = ""
    part = ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if m := re.match(r"^(\d)、", line):
            top, sub, part = f"§{m.group(1)}", "", ""
            starts[i] = top
        elif m := re.match(r"^\((\d)\) ", line):
            sub, part = f"{top}({m.group(1)})", ""
            starts[i] = sub
        elif m := re.match(r"^(\d) (.+)", line):
            if any(w in m.group(2) for w in ("流程及申请材料", "办理时间及须知", "联系方式",
                                             "流程图")):
                part = f"{sub or top} {m.group(1)}"
                starts[i] = part
        elif m := re.match(r"^步骤\((\d+)\)", line):
            starts[i] = f"{sub or top} step {m.group(1)}"
        elif m := re.match(r"^（\d）\s*(办理时间|须知)", line):
            starts[i] = f"{sub or top} 2({1 if m.group(1) == '办理时间' else 2})"
        elif line.startswith("注"):
            starts[i] = f"{sub or top} note"
    runs = _runs(lines, starts)
    out: dict[str, str] = {}
    order = sorted(starts)
    # every key gathers its own run and the runs nested under it, up to the next sibling
    for i, first in enumerate(order):
        key = starts[first]
        text = [runs[key]]
        for later in order[i + 1:]:
            other = starts[later]
            if not _nested(other, key):
                break
            text.append(runs[other])
        out[key] = "\n".join(text)
    return out


def _nested(inner: str, outer: str) -> bool:
    """Whether section key `inner` lies inside `outer` ("§1(1) step 4" in "§1(1) 1")."""
    if inner.startswith(outer + "(") or inner.startswith(outer + " "):
        return not (outer.endswith((" 2(1)", " 2(2)", " note")) or " step " in outer)
    base, _, rest = outer.rpartition(" ")
    if rest == "1" and inner.startswith(base + " step "):
        return True  # the steps belong to part 1 (申请流程及申请材料)
    return rest == "2" and inner.startswith(base + " 2(")


def _sections_004() -> dict[str, str]:
    lines = [line for line in _lines("004") if line.strip()]
    ordinals = {"first": 1, "second": 2, "third": 3, "fourth": 4}
    out: dict[str, str] = {}
    for line in lines[:12]:
        if line.startswith(("Before starting", "Additionally")):
            out["preparation"] = out.get("preparation", "") + line + "\n"
        elif m := re.match(r"^The (\w+) step", line):
            out[f"step {ordinals[m.group(1)]}"] = line
        elif line.startswith(("First, ensure", "Second, pay attention")):
            out["considerations"] = out.get("considerations", "") + line + "\n"
    return out


CUTTERS = {"000": _sections_000, "001": _sections_001, "002": _sections_002,
           "003": _sections_003, "004": _sections_004}


@cache
def sections(doc: str) -> dict[str, str]:
    return CUTTERS[doc]()


def _one(doc: str, key: str) -> str:
    """One section, a step range ("step 2-6") or a subsection range ("I(II)-(VI)")."""
    table = sections(doc)
    if key in table:
        return table[key]
    if m := re.fullmatch(r"(.*?)\s*steps? (\d+)-(\d+)", key):
        base, a, b = m.group(1), int(m.group(2)), int(m.group(3))
        parts = [table[f"{base} step {n}".strip()] for n in range(a, b + 1)]
        return "\n".join(parts)
    if m := re.fullmatch(r"(I|II)\(([IVX]+)\)-\(([IVX]+)\)", key):
        roman = ["I", "II", "III", "IV", "V", "VI"]
        a, b = roman.index(m.group(2)), roman.index(m.group(3))
        return "\n".join(table[f"{m.group(1)}({r})"] for r in roman[a:b + 1])
    raise KeyError(f"{doc} has no section '{key}'")


def section_text(ref: str) -> str:
    """The seed text a citation names; KeyError when the section does not exist.

    "003" is the whole document; "000 §5, closing" two sections of one document.
    """
    doc, _, rest = ref.strip().partition(" ")
    if doc not in DOC_FILES:
        raise KeyError(f"unknown document '{doc}'")
    if not rest:
        return "\n".join(_lines(doc))
    return "\n".join(_one(doc, key.strip()) for key in rest.split(","))


def normalised(text: str) -> str:
    """For comparing what a fact quotes with the seed: no spaces, one kind of quote."""
    text = text.replace("□", "").replace("’", "'").replace("‘", "'")
    text = re.sub(r"[“”\"]", "", text)
    return re.sub(r"\s+", "", text).lower()


def numbers(text: str) -> set[str]:
    digits = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return set(re.findall(r"\d+", digits))


def quotes(text: str) -> list[str]:
    """What a text puts in quotation marks or book-title marks."""
    found = re.findall(r"“([^”]+)”|\"([^\"]+)\"|《([^》]+)》", text)
    return [next(g for g in groups if g) for groups in found]


def document(doc: str) -> str:
    """A seed file's whole text, as written."""
    return (SEEDS / DOC_FILES[doc]).read_text(encoding="utf-8")


def verbatim_parts(doc: str, text: str) -> list[str]:
    """A section's text as the runs of it the seed file holds word for word.

    Most sections are one run of lines; a few gather lines the file keeps apart (004's
    preparation skips blank lines, "000 §5, closing" names two places), so each is quoted
    in the pieces the file actually has, never a joined text it does not contain.
    """
    whole = document(doc)
    parts: list[str] = []
    for line in (x for x in text.split("\n") if x.strip()):
        joined = f"{parts[-1]}\n{line}" if parts else ""
        if parts and joined in whole:
            parts[-1] = joined
        elif line in whole:
            parts.append(line)
    return parts


def passages_for(ref: str) -> list[str]:
    """What the seed says at a citation ("003 §2 step 3", "000 §5, closing"), verbatim."""
    doc = ref.strip().partition(" ")[0]
    return verbatim_parts(doc, section_text(ref))
