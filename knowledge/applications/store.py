"""Register, verify, read and update applications; the only code that touches their tables.

Privacy rules live here so no caller can skip them: an application is read only with its
reference and code (staff, authenticated elsewhere, read by reference), codes are stored as
salted scrypt hashes and compared in constant time, a wrong reference and a wrong code get
the same answer, and a sender is locked out after `MAX_FAILURES` wrong tries.
"""

from __future__ import annotations

import hashlib
import hmac
import os
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

from knowledge.applications.models import Application, StatusEvent, VerifyFailure
from knowledge.applications.workflow import Workflow, workflow_for
from knowledge.db import VAR_DIR, make_engine
from knowledge.workdays import TZ

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# No 0/O, 1/I/L: read out over the phone and typed from a screenshot without mistakes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_RE = re.compile(r"\bEK-?([2-9A-HJKMNP-Z]{6})\b", re.IGNORECASE)
CODE_LENGTH = 6
MAX_REMARK = 2000
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def applications_url() -> str:
    """DATABASE_URL (shared with the knowledge tables) or the embedded applications file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'applications.db'}"


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
            session.flush()
            view = _view(app)
        return view, code

    def verify(self, sender: str, reference: str | None, code: str | None,
               ) -> tuple[Verify, ApplicationView | None]:
        """Check a reference and code for a sender, counting wrong tries toward the lockout."""
        key, now = _sender_key(sender), self._now()
        with Session(self.engine, future=True) as session, session.begin():
            failure = session.get(VerifyFailure, key)
            locked_until = failure.locked_until if failure else None
            if locked_until and locked_until.replace(tzinfo=locked_until.tzinfo or TZ) > now:
                return Verify.LOCKED, None
            app = (session.scalars(select(Application).filter_by(reference=reference)
                                   .options(selectinload(Application.events))).first()
                   if reference else None)
            ok = _code_matches((code or "").strip(), app.code_hash if app else _DUMMY_HASH)
            if app is not None and ok:
                if failure:
                    session.delete(failure)
                return Verify.OK, _view(app)
            if failure is None:
                failure = VerifyFailure(sender_hash=key, failures=0)
                session.add(failure)
            failure.failures += 1
            if failure.failures >= MAX_FAILURES:
                failure.failures, failure.locked_until = 0, now + LOCKOUT
                return Verify.LOCKED, None
            return Verify.WRONG, None

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
