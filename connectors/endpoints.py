"""Rasa's endpoints (action server, tracker store, lock store), from the environment.

The one place that decides where conversations live. Embedded by default: the SQLite tracker
store in the var directory and Rasa's in-memory lock store. With DATABASE_URL (PostgreSQL)
the tracker store moves there, beside the knowledge and application tables; with REDIS_URL
the lock store is Redis, so several Rasa replicas process one sender's messages in order.
`Stack` writes the result beside its logs for `rasa run`; ``python -m
connectors.endpoints`` prints it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from knowledge.db import VAR_DIR


def tracker_store(env: Mapping[str, str]) -> dict[str, Any]:
    url = env.get("DATABASE_URL")
    if not url:
        return {"type": "SQL", "dialect": "sqlite",
                "db": env.get("TRACKER_DB") or str(VAR_DIR / "tracker.db")}
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme}://")
    store: dict[str, Any] = {"type": "SQL", "dialect": "postgresql",
                             "url": parts.hostname or "localhost",
                             "port": parts.port or 5432, "db": parts.path.lstrip("/")}
    if parts.username:
        store["username"] = unquote(parts.username)
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def lock_store(env: Mapping[str, str]) -> dict[str, Any] | None:
    url = env.get("REDIS_URL")
    if not url:
        return None  # Rasa's in-memory lock store: right for one process
    parts = urlsplit(url)
    store: dict[str, Any] = {"type": "connectors.locks.RecoveringRedisLockStore",
                             "url": parts.hostname or "localhost",
                             "port": parts.port or 6379,
                             "db": int(parts.path.lstrip("/") or 0), "key_prefix": "ekey",
                             "use_ssl": parts.scheme == "rediss"}
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def endpoints(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "action_endpoint": {"url": env.get("ACTION_ENDPOINT_URL")
                            or "http://127.0.0.1:5055/webhook"},
        "tracker_store": tracker_store(env),
    }
    locks = lock_store(env)
    if locks:
        out["lock_store"] = locks
    return out


def write(env: Mapping[str, str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints(env), sort_keys=False), encoding="utf-8")
    path.chmod(0o600)  # may hold the database password
    return path


if __name__ == "__main__":
    sys.stdout.write(yaml.safe_dump(endpoints(os.environ), sort_keys=False))
