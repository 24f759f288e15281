"""The console's charts from the review tables: counts per day and top lists, as SVG."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from knowledge.query import KnowledgeBase, pick
from review import charts
from review.inbox import Filters, groups
from review.store import (
    ANSWERED_KINDS,
    CLARIFIED_KINDS,
    REFUSED_KINDS,
    ReviewStore,
    today,
)

LANG_LABELS = {"zh-Hans": "简体 zh-Hans", "zh-Hant": "繁體 zh-Hant", "en": "English"}
LANG_ORDER = {lang: i for i, lang in enumerate(LANG_LABELS)}
OUTCOMES = ("answered", "clarified", "out_of_scope")
OUTCOME_LABELS = {"answered": "已回答 answered", "clarified": "追问 clarified",
                  "out_of_scope": "超出范围 out of scope"}
TOP = 10


def outcome(kind: str) -> str | None:
    if kind in ANSWERED_KINDS:
        return "answered"
    if kind in CLARIFIED_KINDS:
        return "clarified"
    return "out_of_scope" if kind in REFUSED_KINDS else None


def chart_data(store: ReviewStore, kb: KnowledgeBase, days: int = 30) -> dict[str, Any]:
    """The numbers behind the charts (also what the tests check)."""
    since = today() - timedelta(days=max(days, 1) - 1)
    rows = store.usage(since)
    by_outcome = charts.by_day([(r[0], outcome(r[3])) for r in rows if outcome(r[3])], 1)
    procedures = Counter(r[4] for r in rows if r[4])
    facets = Counter(r[5] for r in rows if r[5] and r[3] in ANSWERED_KINDS)
    unanswered = sorted(groups(store, Filters(status="all", days=days)),
                        key=lambda g: (-g["count"], g["key"]))[:TOP]

    def procedure_name(pid: str) -> str:
        proc = kb.procedures.get(pid)
        return f"{pick(proc.name, 'zh')} ({pid})" if proc else pid

    return {
        "days": charts.days_between(since, today()),
        "by_lang": charts.by_day(rows, 1), "by_channel": charts.by_day(rows, 2),
        "by_outcome": by_outcome,
        "procedures": [(procedure_name(p), n) for p, n in procedures.most_common(TOP)],
        "facets": facets.most_common(TOP),
        "unanswered": [(g["text"], g["count"]) for g in unanswered],
        "total": len(rows),
    }


def _langs(by_lang: dict) -> list[str]:
    """The languages present, in the order of LANG_LABELS, then any other."""
    present = {k for counts in by_lang.values() for k in counts}
    return sorted(present, key=lambda k: (LANG_ORDER.get(k, len(LANG_ORDER)), k))


def chart_svgs(store: ReviewStore, kb: KnowledgeBase, days: int = 30) -> list[dict[str, str]]:
    d = chart_data(store, kb, days)
    return [
        {"id": "by_lang", "svg": charts.stacked_days(
            "每日消息（按语言）· Messages per day by language", d["days"], d["by_lang"],
            LANG_LABELS, series=_langs(d["by_lang"]))},
        {"id": "by_channel", "svg": charts.stacked_days(
            "每日消息（按渠道）· Messages per day by channel", d["days"], d["by_channel"])},
        {"id": "outcomes", "svg": charts.stacked_days(
            "回答 / 追问 / 超出范围 占比 · Answered, clarified, out of scope per day",
            d["days"], d["by_outcome"], OUTCOME_LABELS, share=True, series=OUTCOMES)},
        {"id": "procedures", "svg": charts.top_bars(
            "最常问的业务 · Most-asked procedures", d["procedures"])},
        {"id": "facets", "svg": charts.top_bars("最常问的方面 · Most-asked facets", d["facets"])},
        {"id": "unanswered", "svg": charts.top_bars(
            "未答好的问题（按组）· Top unanswered groups", d["unanswered"])},
    ]
