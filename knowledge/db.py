"""Where the databases live: SQLite under var/ by default, any SQLAlchemy URL via env."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from runtime.settings import setting

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
VAR_DIR = Path(setting("EKEY_VAR_DIR") or PROJECT_ROOT / "var")


def knowledge_url() -> str:
    """DATABASE_URL when set (PostgreSQL in production), else the embedded SQLite file."""
    return setting("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'knowledge.db'}"


def make_engine(url: str | None = None) -> Engine:
    url = url or knowledge_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True, pool_pre_ping=True)
