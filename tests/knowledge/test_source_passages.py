"""Every source an answer cites opens to the seed's own words (issue 17).

The knowledge build stores, for every `source:` of knowledge/data, the passage of the seed
it names; here each one must exist, be non-empty, and be written word for word in its seed
file: a user who opens a source reads what the document says, not our retelling of it.
"""

from __future__ import annotations

import pytest
import seed_text

from knowledge.loader import citations, read_dataset
from knowledge.quotes import cited_refs, quote_for

pytestmark = pytest.mark.skipif(not seed_text.available(),
                                reason="the seed documents (../shared/seeds) are not here")

CITED = citations(read_dataset())


def test_the_knowledge_base_cites_many_sections() -> None:
    assert len(CITED) > 100
    assert "003 §2 step 3" in CITED


def test_every_citation_has_its_passage_stored(kb_url: str) -> None:
    assert set(CITED) == set(cited_refs(kb_url))


@pytest.mark.parametrize("ref", sorted(CITED))
def test_each_passage_is_verbatim_from_its_seed(kb_url: str, ref: str) -> None:
    quote = quote_for(ref, "en", kb_url)
    assert quote is not None and quote.parts, ref
    seed = (seed_text.SEEDS / seed_text.DOC_FILES[quote.source_id]).read_text(encoding="utf-8")
    for part in quote.parts:
        assert part.strip(), ref
        assert part in seed, f"{ref}: not in {quote.source_id}: {part[:80]}"


def test_a_passage_comes_with_its_document_in_the_readers_language(kb_url: str) -> None:
    zh, en = quote_for("003 §2 step 3", "zh", kb_url), quote_for("003 §2 step 3", "en", kb_url)
    assert zh is not None and en is not None
    assert zh.title.startswith("商务部") and en.title.startswith("MOFCOM")
    assert zh.language == "zh" and zh.parts == en.parts  # the quote itself is never translated
    assert "补办材料" in zh.parts[0]


def test_a_citation_the_knowledge_base_does_not_make_has_no_passage(kb_url: str) -> None:
    assert quote_for("003 §9", "zh", kb_url) is None
    assert quote_for("<script>", "zh", kb_url) is None
