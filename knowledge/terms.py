"""Find knowledge-base terms in free text: the assistant's entity extractor and search index.

One matcher serves the Rasa pipeline (entities whose values are knowledge-base ids), the
staff console search and the jieba user dictionary, so the bot and the hotline staff always
recognise the same words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.text import normalise


@dataclass(frozen=True)
class Match:
    entity: str  # key_type | kind | channel | region | procedure | office_group | ...
    target_id: str
    start: int  # offsets into the normalised text (same length as the input for zh/en)
    end: int
    term: str


_LATIN_SUFFIXES = ("", "s", "es", "ed", "d", "ing")
# Vocabularies matched on their own (knowledge/query.py), not entities of the NLU model and
# not in jieba's dictionary: documents, question words, other people's cards, reply languages.
SEPARATE_VOCABULARIES = frozenset({"material", "facet", "lookalike", "language"})


def _fold(text: str) -> str:
    """Hyphens and slashes as spaces: "import-export rights", "import/export rights" and
    "import export rights" are one term. One character for one, so offsets stay valid."""
    return text.translate(_SEPARATORS)


_SEPARATORS = str.maketrans({"-": " ", "/": " "})


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class TermMatcher:
    """Greedy longest-match over normalised text; Latin terms must stand as whole words."""

    def __init__(self, terms: Iterable[tuple[str, str, str]]):
        self._targets: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for term, entity, target in terms:
            term = _fold(normalise(term)).strip()
            if not term:
                continue
            if (entity, target) not in self._targets[term]:
                self._targets[term].append((entity, target))
        for term in self._targets:
            self._by_first[term[0]].append(term)
        for bucket in self._by_first.values():
            bucket.sort(key=len, reverse=True)

    @property
    def vocabulary(self) -> list[str]:
        return sorted(self._targets)

    def find(self, text: str) -> list[Match]:
        """All matches, left to right; at each place the longest term wins."""
        norm = _fold(normalise(text))
        found: list[Match] = []
        i = 0
        while i < len(norm):
            hit = next((t for t in self._by_first.get(norm[i], ()) if self._fits(norm, i, t)), None)
            if hit is None:
                i += 1
                continue
            for entity, target in self._targets[hit]:
                found.append(Match(entity, target, i, i + len(hit), hit))
            i += len(hit)
        return found

    def inside(self, term: str) -> set[str]:
        """The targets of the shorter terms inside a matched term: "在哪看" (where to read
        it, a contact cue) holds "在哪" (where, a location cue)."""
        return {target for t, pairs in self._targets.items()
                if t != term and t in term for _, target in pairs}

    @staticmethod
    def _fits(text: str, i: int, term: str) -> bool:
        if not text.startswith(term, i):
            return False
        end = i + len(term)
        if _is_word_char(term[0]) and i > 0 and _is_word_char(text[i - 1]):
            return False
        if not _is_word_char(term[-1]):
            return True
        for suffix in _LATIN_SUFFIXES:  # "keys", "locked", "cards" still name the term
            after = end + len(suffix)
            if text.startswith(suffix, end) and (
                    after >= len(text) or not _is_word_char(text[after])):
                return True
        return False
