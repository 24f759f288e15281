"""One answer as a structure: a heading, sections, numbered materials and its sources.

replies/render.py builds one `Card` per reply from the knowledge base; every channel shows
that one structure: `text()` is the plain text (REST's `text`, WeChat and WeCom, the staff
console's checklist, a screen reader), `payload()` the JSON a rich client draws as a card
(the widget; REST's `custom`). Sections are the only places a long text may be cut
(`blocks()`), so a part never ends in the middle of a list.

The shape of `payload()` is documented for REST clients in docs/widget.md; `PAYLOAD_TYPE`
and `PAYLOAD_VERSION` name it, so a client can tell it from any other custom payload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

PAYLOAD_TYPE = "ekey_answer"
PAYLOAD_VERSION = 1

# How the items of a section are marked in the plain text; the card draws them as lists.
Style = Literal["numbered", "bullets", "plain", "indented", "dash"]
_MARKERS: dict[str, str] = {"bullets": "• ", "plain": "", "indented": "  ", "dash": "  – "}


@dataclass
class Section:
    items: list[str]
    title: str = ""
    style: Style = "plain"
    # "materials": the checklist a user copies or prints; "heading": a second answer's title.
    kind: str = ""

    def lines(self) -> list[str]:
        out = [self.title] if self.title else []
        for i, item in enumerate(self.items, 1):
            first, *more = item.split("\n")
            marker = f"{i}. " if self.style == "numbered" else _MARKERS[self.style]
            out.append(marker + first)
            out += [f"  {line}" for line in more]  # an office's address under its name
        return out

    def text(self) -> str:
        return "\n".join(line for line in self.lines() if line)


@dataclass(frozen=True)
class SourceRef:
    ref: str  # the citation as the knowledge base makes it: "003 §2 step 3"
    label: str  # "商务部配额许可证事务局 · 003 §2 step 3"


@dataclass
class Card:
    heading: str = ""
    sections: list[Section] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    source_line: str = ""  # "来源：… · 003 §2": the sources as the plain text names them

    def blocks(self) -> list[str]:
        """The plain text's paragraphs: heading, each section, the source line."""
        parts = [self.heading, *(s.text() for s in self.sections), self.source_line]
        return [p for p in parts if p.strip()]

    def text(self) -> str:
        return "\n\n".join(self.blocks())

    def checklist(self) -> str:
        """What the copy and print buttons take: the material lists, or the whole answer."""
        lists = [s for s in self.sections if s.kind == "materials"]
        if not lists:
            return self.text()
        return "\n\n".join(p for p in [self.heading, *(s.text() for s in lists),
                                        self.source_line] if p)

    def payload(self, lang: str = "") -> dict[str, Any]:
        """The card for rich clients (Rasa's `custom`): the same words as `text()`, in `lang`
        ("zh-Hans", "zh-Hant" or "en")."""
        return {
            "type": PAYLOAD_TYPE, "version": PAYLOAD_VERSION, "lang": lang,
            "heading": self.heading,
            "sections": [{"title": s.title, "style": s.style, "kind": s.kind,
                          "items": list(s.items)} for s in self.sections],
            "sources": [{"ref": s.ref, "label": s.label} for s in self.sources],
            "source_line": self.source_line,
            "checklist": self.checklist(),
        }

    def converted(self, convert: Callable[[str], str]) -> Card:
        """The same card with every word passed through `convert` (Simplified → Traditional);
        citations stay as the knowledge base writes them."""
        return Card(
            heading=convert(self.heading),
            sections=[replace(s, title=convert(s.title), items=[convert(i) for i in s.items])
                      for s in self.sections],
            sources=[SourceRef(s.ref, convert(s.label)) for s in self.sources],
            source_line=convert(self.source_line))


def plain(*items: str, title: str = "") -> Section:
    """Sentences shown as they are (a summary, a clarifying question)."""
    return Section([i for i in items if i], title=title)


def listed(items: Iterable[str], title: str = "", style: Style = "bullets",
           kind: str = "") -> Section:
    return Section(list(items), title=title, style=style, kind=kind)
