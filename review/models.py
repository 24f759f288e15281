"""Tables of the review inbox, in the applications database (migration 0003).

They share the applications' declarative base so that one metadata describes every table
Alembic upgrades; nothing here refers to an application.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Integer, String, Text

from tracking.models import Base


class ReviewLabel(Base):
    """What staff decided a group of captured messages should have been.

    verdict "facet": the question it asks (a facet, with the key type and procedure it is
    about, picked from the knowledge base); "out_of_scope"; "missing_fact" (the sources lack
    it, `note` says what); "ignore".
    """

    __tablename__ = "review_labels"
    id = Column(Integer, primary_key=True)
    verdict = Column(String(20), nullable=False)
    facet = Column(String(40), nullable=True)
    key_type = Column(String(60), nullable=True)
    procedure_id = Column(String(60), nullable=True)
    note = Column(Text, nullable=False, default="")
    actor = Column(String(80), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)


class ReviewTurn(Base):
    """One turn of the assistant, or one rating from the widget.

    Every turn is counted (day, language, channel, reply kind, procedure, facet, intent and
    confidence, a salted hash of the sender); `text` (redacted) is kept only when `reason`
    says why the turn was not served well. Rows older than the retention period are purged.
    """

    __tablename__ = "review_turns"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False)
    day = Column(Date, nullable=False, index=True)  # in Asia/Shanghai
    lang = Column(String(8), nullable=False)
    channel = Column(String(40), nullable=False)
    kind = Column(String(20), nullable=False)
    procedure_id = Column(String(60), nullable=True)
    facet = Column(String(40), nullable=True)
    intent = Column(String(60), nullable=True)
    confidence = Column(Float, nullable=True)
    sender_hash = Column(String(64), nullable=True, index=True)
    reason = Column(String(30), nullable=True, index=True)
    text = Column(Text, nullable=True)
    comment = Column(Text, nullable=True)
    rating = Column(Integer, nullable=True)  # feedback rows: +1 helpful, -1 not helpful
    label_id = Column(Integer, ForeignKey("review_labels.id"), nullable=True, index=True)
