"""Every sentence the knowledge base states, as a passage a question can be matched against.

The intent classifier says *what kind* of thing is asked (materials, time, place ...) and the
entity extractor says *which* procedure; neither can find the one sentence that answers
"申请表里的用户名能用小写吗" or "who signs the confirmation letter". This index can: each step,
note, material line, time limit, fee, collection rule, conflict, topic, password and office
is one passage (both languages, one source), and a question is scored against them by BM25
over Chinese character bigrams and English word stems. The assistant shows the best
passages as the direct answer when they match well, and uses them as evidence that a message
the classifier doubts is about our keys after all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import snowballstemmer
import yaml
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from knowledge.db import DATA_DIR
from knowledge.text import normalise

if TYPE_CHECKING:
    from knowledge.query import KnowledgeBase

WORKFLOWS_FILE = DATA_DIR / "workflows.yaml"

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z0-9][a-z0-9.@/_-]*[a-z0-9]|[a-z0-9]")
# Question words carry no fact: they must not make a passage look relevant.
_QUESTION_BIGRAMS = frozenset((
    "什么", "怎么", "怎样", "如何", "哪些", "哪个", "哪里", "哪儿", "请问", "是否", "可以", "能否",
    "能不", "需要", "需不", "要不", "是不", "有没", "没有", "我们", "我的", "你们", "一下", "的话",
    "还是", "多少", "几天", "多久", "现在", "一个", "这个", "那个", "就是", "可能", "应该", "是什"))
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"pls", "please", "hi", "hello", "thanks", "does",
                                         "did", "doing", "want", "know", "tell", "need",
                                         # every procedure is applied for: no fact in it
                                         "apply", "applying", "applied"}


_STEMMER = snowballstemmer.stemmer("english")
# Spoken negations of a stage, in the sources' written form: "没通过" must not meet "通过".
_SPOKEN = (("没有通过", "未通过"), ("没通过", "未通过"), ("不通过", "未通过"))
# English words users write joined or apart ("username", "user name"; "e-mail", "email"):
# one spelling each, so that the question and the sentence meet.
_COMPOUNDS = ((re.compile(r"\buser[ -]?names?\b"), "username"),
              (re.compile(r"\blog[ -]?in\b"), "login"),
              (re.compile(r"\be[ -]?mails?\b"), "email"),
              (re.compile(r"\be[ -]?keys?\b"), "ekey"),
              (re.compile(r"\be[ -]?port\b"), "eport"),
              (re.compile(r"\b(?:e[ -]?|electronic )signatures?\b"), "esignature"),
              (re.compile(r"\belectronic keys?\b"), "ekey"),
              (re.compile(r"\bforex\b"), "foreign exchange"))


def features(text: str) -> list[str]:
    """Chinese character bigrams (and lone characters of one-character runs), English stems."""
    norm = normalise(text)
    for spoken, written in _SPOKEN:
        norm = norm.replace(spoken, written)
    out: list[str] = []
    for run in _HAN_RUN.findall(norm):
        if len(run) == 1:
            out.append(run)
        out += [b for b in (run[i:i + 2] for i in range(len(run) - 1))
                if b not in _QUESTION_BIGRAMS]
    for pattern, spelling in _COMPOUNDS:
        norm = pattern.sub(spelling, norm)
    words = []
    for w in _LATIN.findall(norm):
        words.append(w)
        if "-" in w:  # "pre-review" is also a review, "re-check" a check; "pre" says nothing
            words += [part for part in w.split("-") if len(part) >= 4]
    out += _STEMMER.stemWords(w for w in words if w and w not in _STOP)
    return out


@dataclass(frozen=True)
class Passage:
    """One stated fact. ``procedure_id`` is None for facts that belong to no one procedure."""

    id: str
    kind: str  # summary | step | note | material | time | fee | collect | conflict | topic ...
    procedure_id: str | None
    zh: str
    en: str
    source: str
    # The procedures a fact of no one procedure speaks about (a conflict, a stage): it is
    # searched within them only. Empty: a general fact, searched everywhere.
    applies_to: tuple[str, ...] = ()

    def within(self, scope: set[str | None]) -> bool:
        """Whether a search within these procedures (None: general facts) reads this."""
        if self.applies_to:
            return any(p in scope for p in self.applies_to)
        return self.procedure_id in scope

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Hit:
    """A passage and how well it matches: ``score`` is BM25; ``coverage`` the share of the
    question's known terms (weighted by rarity) that the passage contains, 0..1."""

    passage: Passage
    score: float
    coverage: float
    terms: int = 1  # distinct terms of the question the passage contains


def _text(record: dict | None) -> tuple[str, str]:
    return (record or {}).get("zh", ""), (record or {}).get("en", "")


def collect_passages(kb: KnowledgeBase) -> list[Passage]:
    out: list[Passage] = []

    def add(pid: str, kind: str, proc: str | None, zh: str, en: str, source: str) -> None:
        if zh or en:
            out.append(Passage(pid, kind, proc, zh, en, source))

    for p in kb.procedures.values():
        add(f"{p.id}/summary", "summary", p.id, *_text(p.summary), p.source)
        for pm in p.materials:
            name_zh, name_en = _text(pm.material.name)
            q_zh, q_en = _text(pm.qualifier)
            add(f"{p.id}/material/{pm.position}", "material", p.id,
                f"{name_zh}（{q_zh}）" if q_zh else name_zh,
                f"{name_en} ({q_en})" if q_en else name_en, pm.source)
        for item in p.items:
            add(f"{p.id}/{item.section}/{item.position}", item.section, p.id, *_text(item.text),
                item.source)
        for t in p.times:
            add(f"{p.id}/time/{t.position}", "time", p.id, *_text(t.text), t.source)
        if p.fee:
            add(f"{p.id}/fee", "fee", p.id, *_text(p.fee["text"]), p.fee["source"])
    for c in kb.conflicts:
        topic_zh, topic_en = _text(c.topic)
        values_zh = "；".join(f"{v['text']['zh']}（{v['source']}）" for v in c.values)
        values_en = "; ".join(f"{v['text']['en']} ({v['source']})" for v in c.values)
        out.append(Passage(f"conflict/{c.id}", "conflict", None, f"{topic_zh}：{values_zh}",
                           f"{topic_en}: {values_en}", ", ".join(v["source"] for v in c.values),
                           tuple(c.applies_to)))
    for t in kb.topics.values():
        name_zh, name_en = _text(t.name)
        text_zh, text_en = _text(t.text)
        add(f"topic/{t.id}", "topic", None, f"{name_zh}：{text_zh}", f"{name_en}: {text_en}",
            t.source)
    # A password or a contact belongs to the procedures that list it: the Beijing portal is
    # not quoted beside an E-port card answer.
    for pw in kb.passwords.values():
        line_zh, line_en = kb.password_line(pw.id, "zh"), kb.password_line(pw.id, "en")
        out.append(Passage(f"password/{pw.id}", "password", None, line_zh.text, line_en.text,
                           pw.source, _listing(kb, "password_ids", pw.id)))
    for c in kb.contacts.values():
        out.append(Passage(f"contact/{c.id}", "contact", None, kb.contact_line(c.id, "zh").text,
                           kb.contact_line(c.id, "en").text, c.source,
                           _listing(kb, "contact_ids", c.id)))
    out += _stage_passages()
    return out


def _listing(kb: KnowledgeBase, attr: str, record_id: str) -> tuple[str, ...]:
    """The procedures whose ``attr`` (password_ids, contact_ids) lists a record."""
    return tuple(p.id for p in kb.procedures.values() if record_id in getattr(p, attr))


def _stage_passages() -> list[Passage]:
    """What each stage of an application means and what to do ("核验未通过怎么办").

    The stages are written for application tracking (workflows.yaml); they state facts of
    the seeds too, so a question about a stage is answered whether or not it is tracked.
    """
    out = []
    for wf in yaml.safe_load(WORKFLOWS_FILE.read_text(encoding="utf-8")) or []:
        for st in wf["stages"]:
            zh = f"{st['name']['zh']}：{st['meaning']['zh']}{st['todo']['zh']}"
            en = f"{st['name']['en']}: {st['meaning']['en']} {st['todo']['en']}"
            out.append(Passage(f"stage/{wf['id']}/{st['id']}", "stage", None, zh, en,
                               wf["source"], tuple(wf["procedures"])))
    # The same stage in another workflow, saying less once its silences are set aside
    # ("核验未通过" of a cancellation), would outrank the fuller one only for being short.
    said = [indexed_text(p.zh).replace(" ", "") for p in out]
    return [p for i, p in enumerate(out)
            if not any(j != i and said[i] != said[j] and said[i] in said[j]
                       for j in range(len(out)))]


def names_stage(text: str, passage: Passage) -> bool:
    """Whether a message names a stage passage's stage as a status shows it ("核验没通过",
    "review failed"): a stage's meaning answers a question about that status only."""
    said = normalise(text)
    for spoken, written in _SPOKEN:
        said = said.replace(spoken, written)
    names = (passage.zh.split("：", 1)[0], passage.en.split(":", 1)[0])
    return passage.kind == "stage" and any(n.strip() and normalise(n) in said for n in names)


# A clause saying what the sources leave out ("来源未写明注销未通过后如何处理") states no fact:
# its words ("如何处理") would make it the best match for every "what do I do" question.
_SILENT_CLAUSE = re.compile(r"[^；。：]*来源[^；。]*未(?:单独)?(?:写明|列出)[^；。]*[；。]?"
                            r"|[^;.:]*\bsources?\b[^;.]*\b(?:does|do) not (?:say|state|list)"
                            r"[^;.]*[;.]?", re.IGNORECASE)


def indexed_text(text: str) -> str:
    """The part of a passage the search reads: all of it but the clauses of silence."""
    return _SILENT_CLAUSE.sub(" ", text)


class PassageIndex:
    """Okapi BM25 over every passage, each language of a passage a document of its own.

    BM25 rather than TF-IDF cosine: cosine rewards the shortest passage that shares one
    common word ("IC卡（含USBKey）"), while BM25 adds up how many of the question's rarer
    terms a passage contains and saturates repeated ones. Scores are absolute (a sum of
    inverse document frequencies), so one threshold means "shares several rare terms"
    whatever the length of the question.
    """

    K1 = 1.2
    B = 0.75

    def __init__(self, passages: list[Passage]):
        self.passages = passages
        self._counts = CountVectorizer(analyzer=features)
        # Chinese and English features never overlap; two documents per passage keep an
        # English translation from lengthening (and so weakening) the Chinese text.
        tf = self._counts.fit_transform(
            indexed_text(t) for p in passages for t in (p.zh, p.en)).tocsc()
        n_docs = tf.shape[0]
        doc_freq = np.diff(tf.indptr)
        self._idf = np.log(1 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        norm = self.K1 * (1 - self.B + self.B * lengths / max(lengths.mean(), 1.0))
        weights = tf.tocoo()
        data = weights.data * (self.K1 + 1) / (weights.data + norm[weights.row])
        self._weights = csr_matrix((data, (weights.row, weights.col)), shape=tf.shape)

    def search(self, question: str, scope: set[str | None] | None = None,
               limit: int = 3) -> list[Hit]:
        """Best passages for a question, optionally only those of some procedures.

        ``scope`` holds procedure ids, and None for the facts that belong to no procedure.
        """
        query = self._counts.transform([question])
        if query.nnz == 0:
            return []
        present = np.zeros(self._idf.shape)
        present[query.indices] = self._idf[query.indices]
        by_doc = self._weights @ present
        present_doc = (self._weights[:, query.indices] > 0).astype(float)
        matched_doc = present_doc @ self._idf[query.indices]
        scores = by_doc.reshape(-1, 2).max(axis=1)
        matched = matched_doc.reshape(-1, 2).max(axis=1)
        terms = np.asarray(present_doc.sum(axis=1)).ravel().reshape(-1, 2).max(axis=1)
        known = float(self._idf[query.indices].sum())
        ranked = sorted(
            (i for i, s in enumerate(scores) if s > 0
             and (scope is None or self.passages[i].within(scope))),
            key=lambda i: -scores[i])
        return [Hit(self.passages[i], float(scores[i]), float(matched[i]) / known,
                    int(terms[i])) for i in ranked[:limit]]
