"""The words of a source at a citation, for users who open a source of an answer.

Stored by the knowledge build (`knowledge.loader`, table `source_passages`), read here by
the web app's sources route: the passage exactly as the seed writes it, in the seed's own
language (the documents are single-language: 003 Chinese, the others English), with the
document's title and authority in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.db import make_engine
from knowledge.query import pick
from knowledge.text import stored


@dataclass(frozen=True)
class Quote:
    ref: str
    source_id: str
    title: str
    authority: str
    language: str  # the seed's: what the passage is written in
    parts: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"ref": self.ref, "source": self.source_id, "title": self.title,
                "authority": self.authority, "language": self.language,
                "passages": list(self.parts)}


@lru_cache(maxsize=1)
def _table(url: str | None = None) -> dict[str, tuple[m.SourcePassage, m.Source]]:
    engine = make_engine(url)
    with Session(engine, future=True) as session:
        sources = {s.id: s for s in session.execute(select(m.Source)).scalars()}
        rows = list(session.execute(select(m.SourcePassage)).scalars())
        session.expunge_all()
    engine.dispose()
    return {r.ref: (r, sources[r.source_id]) for r in rows if r.source_id in sources}


def quote_for(ref: str, lang: str, url: str | None = None) -> Quote | None:
    """The stored passage of a citation the knowledge base makes; None for anything else."""
    found = _table(url).get(ref)
    if found is None:
        return None
    row, source = found
    lg = stored(lang)
    return Quote(ref=row.ref, source_id=source.id, title=pick(source.title, lg),
                 authority=pick(source.authority, lg), language=source.language,
                 parts=tuple(row.parts))


def cited_refs(url: str | None = None) -> list[str]:
    return sorted(_table(url))
