"""Near-duplicate messages in one group, by character n-grams.

Users ask the same thing in many small variations ("公司改名了怎么办", "公司名称变更了咋办",
"公司改名怎么办？"). Word segmentation is unreliable on such short, informal text, and the
inbox mixes three scripts, so messages are compared as sets of character bigrams and
trigrams after folding Traditional to Simplified, case and punctuation; two messages belong
together when the Dice coefficient of their n-grams reaches `THRESHOLD`. Grouping is greedy
and newest first: each message joins the most similar existing group (compared with the
group's first, newest message) or starts one. A few thousand messages take well under a
second; the retention period keeps the inbox that small.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from knowledge.text import to_simplified

THRESHOLD = 0.5
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
T = TypeVar("T")


def ngrams(text: str) -> frozenset[str]:
    """Character bigrams and trigrams of the folded text (a single character is its own)."""
    folded = _NOISE.sub(" ", to_simplified(text).lower()).strip()
    grams: set[str] = set()
    for word in folded.split():
        grams.update(word[i:i + 2] for i in range(len(word) - 1))
        grams.update(word[i:i + 3] for i in range(len(word) - 2))
        if len(word) == 1:
            grams.add(word)
    return frozenset(grams)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient: 1.0 for the same n-grams, 0.0 for none shared."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass
class Group(Generic[T]):
    items: list[T] = field(default_factory=list)
    grams: frozenset[str] = frozenset()


def group(items: Sequence[T], text_of: Callable[[T], str],
          threshold: float = THRESHOLD) -> list[Group[T]]:
    """Items in groups of near-duplicate text, in the order given (newest first)."""
    groups: list[Group[T]] = []
    for item in items:
        grams = ngrams(text_of(item))
        best, best_score = None, threshold
        for g in groups:
            score = similarity(grams, g.grams)
            if score >= best_score:
                best, best_score = g, score
        if best is None:
            groups.append(Group([item], grams))
        else:
            best.items.append(item)
    return groups


def most_common(values: Sequence[str]) -> dict[str, int]:
    return dict(Counter(v for v in values if v).most_common())
