"""Expected dates that run into a year whose holiday schedule is not published (issue 14, 13).

The statutory holidays are skipped by rule, and the reply says that the in-lieu working days
of that year are not yet published, so the date may move.
"""

from __future__ import annotations

from datetime import date

from knowledge.query import KnowledgeBase
from replies import render


def test_a_2027_date_skips_new_year_and_says_in_lieu_days_are_unpublished(
        kb: KnowledgeBase) -> None:
    # submitted Mon 28 Dec 2026: verification 2 working days -> Wed 30 Dec; review and
    # reissue 5 more -> Thu 31 Dec, (Fri 1 Jan 2027 New Year's Day), Mon 4 .. Thu 7 Jan
    reply = render.times(kb, "mofcom_reissue", "en", submitted=date(2026, 12, 28)).text()
    assert "about 2026-12-30" in reply and "about 2027-01-07" in reply
    assert kb.phrase("expected_estimated", "en", year=2027) in reply
    assert "in-lieu working days are not yet published" in reply
    assert "2026 holiday schedule" not in reply  # 2026's schedule is published


def test_the_chinese_reply_says_the_same(kb: KnowledgeBase) -> None:
    reply = render.times(kb, "mofcom_reissue", "zh-Hans", submitted=date(2027, 2, 3)).text()
    # verification: Thu 4 Feb, (5-10 Feb Spring Festival by rule), Thu 11 Feb
    assert "约 2027-02-11" in reply
    assert "调休上班日尚未公布" in reply and "2027 年" in reply
