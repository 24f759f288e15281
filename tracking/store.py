"""Register, verify, read and update applications; the only code that touches their tables.

Privacy rules live here so no caller can skip them: an application is read only with its
reference and code (staff, authenticated elsewhere, read by reference), codes are stored as
salted scrypt hashes and compared in constant time, a wrong reference and a wrong code get
the same answer, and wrong tries are limited three ways, none of which a client resets by
renaming itself: per sender (`MAX_FAILURES`), per client address where the channel knows one
(`MAX_ADDRESS_FAILURES`) and per reference whoever tries (`MAX_REFERENCE_FAILURES`; the
sender that registered it is exempt, so nobody can lock an applicant out of their own
application).

Who may read an application in chat is recorded here too (`Grant`), never taken from a
conversation's slots: the sender that registered it, and a sender that gave its reference
and code, for `GRANT_LIFETIME` after its last use. A status push is allowed once per staff
update (`expect_notification` / `take_notification`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from knowledge.db import VAR_DIR, make_engine
from knowledge.workdays import TZ
from runtime.settings import setting
from tracking.models import Application, Grant, StatusEvent, VerifyFailure
from tracking.workflow import Workflow, workflow_for

MAX_FAILURES = 5  # per sender
MAX_ADDRESS_FAILURES = 10  # per client address (REST), across all its sender ids
MAX_REFERENCE_FAILURES = 10  # per reference, across everyone but its own applicant
LOCKOUT = timedelta(minutes=15)  # also the window: older failures are forgotten
GRANT_LIFETIME = timedelta(hours=1)  # Rasa's conversation session lasts 60 idle minutes
NOTIFY_LIFETIME = timedelta(minutes=5)
# No 0/O, 1/I/L: read out over the phone and typed from a screenshot without mistakes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_RE = re.compile(r"\bEK-?([2-9A-HJKMNP-Z]{6})\b", re.IGNORECASE)
CODE_LENGTH = 6
# A code as users type it (any case), standing alone: what the status form reads and what
# is removed from stored conversations.
CODE_RE = re.compile(rf"(?<![A-Za-z0-9-])([2-9A-HJKMNP-Za-hjkmnp-z]{{{CODE_LENGTH}}})"
                     r"(?![A-Za-z0-9])")
MAX_REMARK = 2000
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def applications_url() -> str:
    """DATABASE_URL (shared with the knowledge tables) or the embedded applications file."""
    return setting("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'applications.db'}"


def _hash_code(code: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(code.upper().encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _code_matches(code: str, stored: str) -> bool:
    _, salt, _digest = stored.split("$")
    return hmac.compare_digest(_hash_code(code, bytes.fromhex(salt)), stored)


# A fixed hash to compare against when the reference does not exist, so a wrong reference
# costs the same time as a wrong code and timing tells nothing.
_DUMMY_HASH = _hash_code("0" * CODE_LENGTH, b"\0" * 16)


def _sender_key(sender: str) -> str:
    return hashlib.sha256(f"ekey-lockout:{sender}".encode()).hexdigest()


def _address_key(address: str) -> str:
    return hashlib.sha256(f"ekey-lockout-address:{address}".encode()).hexdigest()


def _reference_key(reference: str) -> str:
    return hashlib.sha256(f"ekey-lockout-reference:{reference}".encode()).hexdigest()


def _grantee(sender: str) -> str:
    return hashlib.sha256(f"ekey-grant:{sender}".encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is written in TZ."""
    return moment.replace(tzinfo=moment.tzinfo or TZ) if moment else None


def normalise_reference(text: str) -> str | None:
    m = REFERENCE_RE.search(text or "")
    return f"EK-{m.group(1).upper()}" if m else None


class Verify(Enum):
    OK = "ok"
    WRONG = "wrong"  # reference or code: deliberately not said which
    LOCKED = "locked"


@dataclass(frozen=True)
class EventView:
    stage: str
    at: datetime
    remark: str
    actor: str


@dataclass(frozen=True)
class ApplicationView:
    """What callers get: never the code hash, never the recipient id unless asked."""

    reference: str
    procedure_id: str
    submitted_on: date
    lang: str
    notify_channel: str
    notify_recipient: str
    events: tuple[EventView, ...]

    @property
    def stage(self) -> str:
        return self.events[-1].stage

    @property
    def workflow(self) -> Workflow:
        wf = workflow_for(self.procedure_id)
        assert wf is not None  # only trackable procedures are ever registered
        return wf

    def history(self) -> list[tuple[str, date]]:
        """Stages with their day; the first is the user's own submission date."""
        out = [(e.stage, e.at.astimezone(TZ).date()) for e in self.events]
        out[0] = (out[0][0], self.submitted_on)
        return out


class TrackingError(ValueError):
    """A request the store refuses, with a message fit to show staff."""


def _view(app: Application) -> ApplicationView:
    return ApplicationView(
        app.reference, app.procedure_id, app.submitted_on, app.lang, app.notify_channel,
        app.notify_recipient,
        tuple(EventView(e.stage, e.at if e.at.tzinfo else e.at.replace(tzinfo=TZ),
                        e.remark, e.actor) for e in app.events))


class ApplicationStore:
    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url or applications_url())

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (idempotent, safe at every start)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    @staticmethod
    def _now() -> datetime:
        return datetime.now(TZ)

    # --- the applicant's side -------------------------------------------------------------
    def register(self, procedure_id: str, submitted_on: date, lang: str, channel: str,
                 recipient: str) -> tuple[ApplicationView, str]:
        """A new application at its workflow's first stage; returns it and its plain code."""
        wf = workflow_for(procedure_id)
        if wf is None:
            raise TrackingError(f"procedure {procedure_id} cannot be tracked")
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        now = self._now()
        with Session(self.engine, future=True) as session, session.begin():
            while True:
                reference = "EK-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
                if session.scalar(select(Application.id).filter_by(reference=reference)) is None:
                    break
            app = Application(reference=reference, code_hash=_hash_code(code),
                              procedure_id=procedure_id, submitted_on=submitted_on, lang=lang,
                              notify_channel=channel, notify_recipient=recipient, created_at=now)
            app.events.append(StatusEvent(stage=wf.first.id, at=now, remark="",
                                          actor="applicant"))
            session.add(app)
            self._grant(session, "status", recipient, reference, now + GRANT_LIFETIME)
            session.flush()
            view = _view(app)
        return view, code

    def verify(self, sender: str, reference: str | None, code: str | None,
               address: str | None = None) -> tuple[Verify, ApplicationView | None]:
        """Check a reference and code, counting wrong tries toward the lockouts.

        `address` identifies the client where the channel knows one (REST); WeChat and WeCom
        messages all come from Tencent's servers, and their sender ids are Tencent's to give.
        A success grants `sender` the application for `GRANT_LIFETIME`.
        """
        now = self._now()
        with Session(self.engine, future=True) as session, session.begin():
            app = (session.scalars(select(Application).filter_by(reference=reference)
                                   .options(selectinload(Application.events))).first()
                   if reference else None)
            limits = [(_sender_key(sender), MAX_FAILURES)]
            if address:
                limits.append((_address_key(address), MAX_ADDRESS_FAILURES))
            if app is None or app.notify_recipient != sender:
                limits.append((_reference_key(reference or ""), MAX_REFERENCE_FAILURES))
            rows = [(session.get(VerifyFailure, key), key, limit) for key, limit in limits]
            if any(row and (_aware(row.locked_until) or now) > now for row, _, _ in rows):
                return Verify.LOCKED, None
            ok = _code_matches((code or "").strip(), app.code_hash if app else _DUMMY_HASH)
            if app is not None and ok:
                if rows[0][0] is not None:
                    session.delete(rows[0][0])  # the sender's own slips; never the others
                self._grant(session, "status", sender, app.reference, now + GRANT_LIFETIME)
                return Verify.OK, _view(app)
            locked = False
            for row, key, limit in rows:
                if row is None:
                    row = VerifyFailure(sender_hash=key, failures=0)
                    session.add(row)
                if (_aware(row.last_failure_at) or now) < now - LOCKOUT:
                    row.failures = 0  # a slip long ago does not count toward today's
                row.failures += 1
                row.last_failure_at = now
                if row.failures >= limit:
                    row.failures, row.locked_until, locked = 0, now + LOCKOUT, True
            return (Verify.LOCKED if locked else Verify.WRONG), None

    # --- grants: what a conversation may see, decided here --------------------------------
    @staticmethod
    def _grant(session: Session, kind: str, sender: str, reference: str,
               expires: datetime) -> None:
        row = session.get(Grant, (kind, _grantee(sender), reference))
        if row is None:
            session.add(Grant(kind=kind, sender_hash=_grantee(sender), reference=reference,
                              expires_at=expires))
        else:
            row.expires_at = expires

    def may_read(self, sender: str, reference: str | None) -> bool:
        """Whether `sender` registered or verified `reference` lately; renews the grant."""
        if not reference:
            return False
        now = self._now()
        with Session(self.engine, future=True) as session, session.begin():
            row = session.get(Grant, ("status", _grantee(sender), reference))
            if row is None or (_aware(row.expires_at) or now) <= now:
                return False
            row.expires_at = now + GRANT_LIFETIME
            return True

    def expect_notification(self, app: ApplicationView) -> None:
        """Allow one status push to the applicant's conversation (see `take_notification`)."""
        with Session(self.engine, future=True) as session, session.begin():
            self._grant(session, "notify", app.notify_recipient, app.reference,
                        self._now() + NOTIFY_LIFETIME)

    def take_notification(self, sender: str, reference: str | None) -> bool:
        """True once per `expect_notification`, for the conversation that registered it."""
        if not reference:
            return False
        now = self._now()
        with Session(self.engine, future=True) as session, session.begin():
            row = session.get(Grant, ("notify", _grantee(sender), reference))
            if row is None:
                return False
            session.delete(row)
            return (_aware(row.expires_at) or now) > now

    # --- reads by reference: staff (authenticated by the caller) and a verified session ---
    def get(self, reference: str) -> ApplicationView | None:
        with Session(self.engine, future=True) as session:
            app = session.scalars(select(Application).filter_by(reference=reference)
                                  .options(selectinload(Application.events))).first()
            return _view(app) if app else None

    def add_event(self, reference: str, stage: str, remark: str = "",
                  actor: str = "staff") -> ApplicationView:
        """Move an application on, if its workflow allows that stage after the current one."""
        remark = (remark or "").strip()
        if len(remark) > MAX_REMARK:
            raise TrackingError(f"remark longer than {MAX_REMARK} characters")
        with Session(self.engine, future=True) as session, session.begin():
            app = session.scalars(select(Application).filter_by(reference=reference)
                                  .options(selectinload(Application.events))).first()
            if app is None:
                raise LookupError(reference)
            wf = workflow_for(app.procedure_id)
            current = app.events[-1].stage if app.events else None
            if wf is None or not wf.allows(current, stage):
                allowed = ", ".join(wf.stages[current].next) if wf and current else "-"
                raise TrackingError(f"cannot move from {current} to {stage}; "
                                    f"allowed: {allowed or 'none (complete)'}")
            app.events.append(StatusEvent(stage=stage, at=self._now(), remark=remark,
                                          actor=(actor or "staff")[:80]))
            session.flush()
            return _view(app)


@lru_cache(maxsize=1)
def shared_store() -> ApplicationStore:
    """One store per process (action server, web app), migrated on first use."""
    store = ApplicationStore()
    store.migrate()
    return store
