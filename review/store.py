"""Read and write the review tables; the only code that touches them.

Privacy rules live here so no caller can skip them: text is redacted before it is written,
and only for turns with a `reason` (not served well); a sender is stored as an HMAC with a
salt from REVIEW_SALT or, when unset, a random one kept in var/review_salt (mode 0600), so a
sender's turns can be counted together but the id cannot be recovered or matched against
another deployment; rows older than the retention period (REVIEW_RETENTION_DAYS, default
90) are deleted by `purge`, which the stores run once a day and the CLI runs on demand.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge.db import VAR_DIR, make_engine
from knowledge.workdays import TZ
from review.models import ReviewLabel, ReviewTurn
from review.redact import redact
from runtime.settings import setting
from tracking.store import applications_url

DEFAULT_RETENTION_DAYS = 90
MAX_TEXT = 2000  # what the REST channel accepts; a stored text is never longer
MAX_COMMENT = 500
MAX_NOTE = 2000
VERDICTS = ("facet", "out_of_scope", "missing_fact", "ignore")
# Why a turn's text is kept, and nothing else keeps it.
REASONS = ("out_of_scope", "nlu_fallback", "not_covered", "clarification_abandoned",
           "low_confidence", "not_helpful")
# Reply kinds, and how the charts count them.
ANSWERED_KINDS = {"answer", "topic", "chitchat", "tracking"}
CLARIFIED_KINDS = {"clarify"}
REFUSED_KINDS = {"out_of_scope", "fallback", "not_covered"}
FEEDBACK = "feedback"  # a rating from the widget: not a message, not in the usage counts


def retention_days() -> int:
    try:
        return max(int(setting("REVIEW_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS), 1)
    except ValueError:
        return DEFAULT_RETENTION_DAYS


def salt_path() -> Path:
    return VAR_DIR / "review_salt"


@lru_cache(maxsize=1)
def review_salt() -> bytes:
    """REVIEW_SALT, else a random salt created once under var/ and readable only by us."""
    configured = setting("REVIEW_SALT")
    if configured:
        return configured.encode()
    path = salt_path()
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed into place: two processes starting at once agree on one.
    tmp = path.with_name(f".review_salt.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)  # fails if another process got there first; theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text().strip())


def sender_hash(sender: str | None) -> str | None:
    if not sender:
        return None
    return hmac.new(review_salt(), sender.encode(), hashlib.sha256).hexdigest()


def today() -> date:
    return datetime.now(TZ).date()


@dataclass
class Turn:
    """What the capture knows of one turn; text is raw here and redacted on the way in."""

    lang: str
    channel: str
    kind: str
    sender: str | None = None
    procedure_id: str | None = None
    facet: str | None = None
    intent: str | None = None
    confidence: float | None = None
    reason: str | None = None
    text: str | None = None


@dataclass
class Captured:
    """A stored row with text, as the inbox reads it."""

    id: int
    at: datetime
    lang: str
    channel: str
    kind: str
    reason: str
    text: str
    comment: str
    intent: str | None
    confidence: float | None
    label_id: int | None


@dataclass
class Label:
    id: int
    verdict: str
    facet: str | None = None
    key_type: str | None = None
    procedure_id: str | None = None
    note: str = ""
    actor: str = ""
    turn_ids: list[int] = field(default_factory=list)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def _clip(text: str | None, limit: int) -> str | None:
    return redact(text)[:limit] if text else None


class ReviewStore:
    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url or applications_url())
        self._purged_on: date | None = None

    def migrate(self) -> None:
        """The applications' Alembic chain holds these tables (revision 0003)."""
        from tracking.store import ApplicationStore

        ApplicationStore(engine=self.engine).migrate()

    # --- writing ------------------------------------------------------------------------------
    def record(self, turn: Turn, at: datetime | None = None) -> int:
        """Store one turn; its text only when it has a reason, and redacted."""
        at = at or datetime.now(TZ)
        keep = turn.reason in REASONS
        row = ReviewTurn(
            at=at, day=_aware(at).astimezone(TZ).date(), lang=turn.lang[:8],
            channel=(turn.channel or "unknown")[:40], kind=turn.kind[:20],
            procedure_id=turn.procedure_id, facet=turn.facet, intent=turn.intent,
            confidence=turn.confidence, sender_hash=sender_hash(turn.sender),
            reason=turn.reason if keep else None,
            text=_clip(turn.text, MAX_TEXT) if keep else None)
        self._purge_daily()
        with Session(self.engine, future=True) as session, session.begin():
            session.add(row)
            session.flush()
            return row.id

    def mark_abandoned(self, sender: str, text: str) -> bool:
        """The sender's latest clarifying question went unanswered: keep the question that
        led to it (redacted), once."""
        who = sender_hash(sender)
        with Session(self.engine, future=True) as session, session.begin():
            row = session.execute(
                select(ReviewTurn).where(ReviewTurn.sender_hash == who,
                                         ReviewTurn.kind != FEEDBACK)
                .order_by(ReviewTurn.id.desc()).limit(1)).scalar_one_or_none()
            if row is None or row.kind != "clarify" or row.reason is not None:
                return False
            row.reason, row.text = "clarification_abandoned", _clip(text, MAX_TEXT)
            return True

    def record_feedback(self, helpful: bool, question: str, comment: str, lang: str,
                        channel: str, sender: str | None = None,
                        at: datetime | None = None) -> int:
        """A rating; a 👎 keeps the question and the comment (redacted), a 👍 only counts."""
        at = at or datetime.now(TZ)
        row = ReviewTurn(
            at=at, day=_aware(at).astimezone(TZ).date(), lang=lang[:8], channel=channel[:40],
            kind=FEEDBACK, rating=1 if helpful else -1, sender_hash=sender_hash(sender),
            reason=None if helpful else "not_helpful",
            text=None if helpful else _clip(question, MAX_TEXT),
            comment=None if helpful else _clip(comment, MAX_COMMENT))
        with Session(self.engine, future=True) as session, session.begin():
            session.add(row)
            session.flush()
            return row.id

    def label(self, turn_ids: Iterable[int], verdict: str, actor: str, facet: str | None = None,
              key_type: str | None = None, procedure_id: str | None = None,
              note: str = "") -> int:
        """Give captured turns (a group) one label; a later label replaces an earlier one."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
        ids = sorted({int(i) for i in turn_ids})
        if not ids:
            raise ValueError("no messages to label")
        with Session(self.engine, future=True) as session, session.begin():
            found = session.execute(select(ReviewTurn.id).where(
                ReviewTurn.id.in_(ids), ReviewTurn.text.is_not(None))).scalars().all()
            if len(found) != len(ids):
                raise LookupError("some of these messages no longer exist")
            label = ReviewLabel(verdict=verdict, facet=facet, key_type=key_type,
                                procedure_id=procedure_id, note=redact(note)[:MAX_NOTE],
                                actor=actor[:80], at=datetime.now(TZ))
            session.add(label)
            session.flush()
            session.execute(update(ReviewTurn).where(ReviewTurn.id.in_(ids))
                            .values(label_id=label.id)
                            .execution_options(synchronize_session=False))
            return label.id

    def purge(self, days: int | None = None, now: datetime | None = None) -> int:
        """Delete turns older than the retention period, and labels nothing uses any more."""
        cutoff = (now or datetime.now(TZ)).astimezone(TZ).date() - timedelta(
            days=days or retention_days())
        with Session(self.engine, future=True) as session, session.begin():
            gone = session.execute(delete(ReviewTurn).where(ReviewTurn.day < cutoff)
                                   .execution_options(synchronize_session=False)).rowcount
            used = select(ReviewTurn.label_id).where(ReviewTurn.label_id.is_not(None))
            session.execute(delete(ReviewLabel).where(ReviewLabel.id.not_in(used))
                            .execution_options(synchronize_session=False))
        return int(gone or 0)

    def _purge_daily(self) -> None:
        if self._purged_on != today():
            self._purged_on = today()
            self.purge()

    # --- reading ------------------------------------------------------------------------------
    def captured(self, since: date | None = None) -> list[Captured]:
        """Every turn with text (not served well), newest first."""
        query = select(ReviewTurn).where(ReviewTurn.text.is_not(None))
        if since:
            query = query.where(ReviewTurn.day >= since)
        with Session(self.engine, future=True) as session:
            rows = session.execute(query.order_by(ReviewTurn.at.desc(), ReviewTurn.id.desc())
                                   ).scalars().all()
            return [Captured(r.id, _aware(r.at), r.lang, r.channel, r.kind, r.reason or "",
                             r.text or "", r.comment or "", r.intent, r.confidence, r.label_id)
                    for r in rows]

    def labels(self) -> dict[int, Label]:
        with Session(self.engine, future=True) as session:
            out = {r.id: Label(r.id, r.verdict, r.facet, r.key_type, r.procedure_id, r.note,
                               r.actor) for r in session.execute(select(ReviewLabel)).scalars()}
            for turn_id, label_id in session.execute(
                    select(ReviewTurn.id, ReviewTurn.label_id)
                    .where(ReviewTurn.label_id.is_not(None))):
                if label_id in out:
                    out[label_id].turn_ids.append(turn_id)
        return out

    def usage(self, since: date) -> list[tuple[date, str, str, str, str | None, str | None]]:
        """(day, lang, channel, kind, procedure, facet) of every turn since `since`, for the
        charts; ratings are not turns."""
        with Session(self.engine, future=True) as session:
            return [tuple(r) for r in session.execute(  # type: ignore[misc]
                select(ReviewTurn.day, ReviewTurn.lang, ReviewTurn.channel, ReviewTurn.kind,
                       ReviewTurn.procedure_id, ReviewTurn.facet)
                .where(ReviewTurn.day >= since, ReviewTurn.kind != FEEDBACK))]


@lru_cache(maxsize=1)
def shared_review_store() -> ReviewStore:
    """One store per process (action server, web app), migrated on first use."""
    store = ReviewStore()
    store.migrate()
    return store
