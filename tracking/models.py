"""Tables of application tracking. Schema changes go through Alembic (migrations/)."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Application(Base):
    __tablename__ = "applications"
    id = Column(Integer, primary_key=True)
    reference = Column(String(16), unique=True, nullable=False)
    code_hash = Column(String(200), nullable=False)  # scrypt$salt$hash; never the code
    procedure_id = Column(String(60), nullable=False)
    submitted_on = Column(Date, nullable=False)
    lang = Column(String(8), nullable=False)
    # Who to notify: the channel the application came from and its recipient id there.
    notify_channel = Column(String(40), nullable=False)
    notify_recipient = Column(String(200), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    events = relationship("StatusEvent", order_by="StatusEvent.id",
                          back_populates="application", cascade="all, delete-orphan")


class StatusEvent(Base):
    __tablename__ = "application_events"
    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("applications.id"), nullable=False, index=True)
    stage = Column(String(40), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)
    remark = Column(Text, nullable=False, default="")
    actor = Column(String(80), nullable=False)
    application = relationship("Application", back_populates="events")


class VerifyFailure(Base):
    """Wrong reference/code tries, for the lockouts: per sender, per client address and per
    reference, each a row keyed by a hash (the column keeps its first name, sender_hash)."""

    __tablename__ = "application_verify_failures"
    sender_hash = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True), nullable=True)
    # Failures older than the lockout window are forgotten (revision 0002).
    last_failure_at = Column(DateTime(timezone=True), nullable=True)


class Grant(Base):
    """What a conversation may see, decided here and never by a slot it could set.

    kind "status": this sender registered or verified the reference and may read it until
    `expires_at` (renewed on use). kind "notify": staff just moved the application on and
    one status message may be pushed to the sender that registered it (taken once).
    """

    __tablename__ = "application_grants"
    kind = Column(String(10), primary_key=True)
    sender_hash = Column(String(64), primary_key=True)
    reference = Column(String(16), primary_key=True)
    expires_at = Column(DateTime(timezone=True), nullable=False)
