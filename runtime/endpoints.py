"""Rasa's endpoints (action server, tracker store, lock store), from the environment.

The one place that decides where conversations live. Embedded by default: the SQLite tracker
store in the var directory and Rasa's in-memory lock store. With DATABASE_URL (PostgreSQL)
the tracker store moves there, beside the knowledge and application tables; with REDIS_URL
the lock store is Redis, so several Rasa replicas process one sender's messages in order.
Either way the tracker store is `runtime.tracker_store.RedactingSQLTrackerStore`, which
writes conversations without the applicants' private codes.

Every call to the action server carries ``Authorization: Bearer ${ACTIONS_TOKEN}``: the file
holds the variable's name, and Rasa fills in its value from its own environment when it
reads the file, so the secret is in neither the file nor a command line. `Stack` writes the
result beside its logs for `rasa run`; ``python -m runtime.endpoints`` prints it.

`rasa_args` does the same for Rasa's API token (RASA_TOKEN): `runtime.rasa_fixes` adds
it to Rasa's arguments inside the process, so `ps` never shows it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from knowledge.db import VAR_DIR
from runtime.settings import setting

TRACKER_STORE = "runtime.tracker_store.RedactingSQLTrackerStore"
# Rasa's YAML reader replaces ${VAR} with the variable's value from its environment.
ACTIONS_AUTHORIZATION = "Bearer ${ACTIONS_TOKEN}"


def tracker_store(env: Mapping[str, str]) -> dict[str, Any]:
    url = setting("DATABASE_URL", env)
    if not url:
        return {"type": TRACKER_STORE, "dialect": "sqlite",
                "db": setting("TRACKER_DB", env) or str(VAR_DIR / "tracker.db")}
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parts.scheme}://")
    store: dict[str, Any] = {"type": TRACKER_STORE, "dialect": "postgresql",
                             "url": parts.hostname or "localhost",
                             "port": parts.port or 5432, "db": parts.path.lstrip("/")}
    if parts.username:
        store["username"] = unquote(parts.username)
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def lock_store(env: Mapping[str, str]) -> dict[str, Any] | None:
    url = setting("REDIS_URL", env)
    if not url:
        return None  # Rasa's in-memory lock store: right for one process
    parts = urlsplit(url)
    store: dict[str, Any] = {"type": "runtime.locks.RecoveringRedisLockStore",
                             "url": parts.hostname or "localhost",
                             "port": parts.port or 6379,
                             "db": int(parts.path.lstrip("/") or 0), "key_prefix": "ekey",
                             "use_ssl": parts.scheme == "rediss"}
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def endpoints(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "action_endpoint": {"url": setting("ACTION_ENDPOINT_URL", env)
                            or "http://127.0.0.1:5055/webhook",
                            "headers": {"Authorization": ACTIONS_AUTHORIZATION}},
        "tracker_store": tracker_store(env),
    }
    locks = lock_store(env)
    if locks:
        out["lock_store"] = locks
    return out


def rasa_args(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """Rasa's arguments with ``--auth-token`` from RASA_TOKEN, when the API is enabled.

    Refuses to enable Rasa's HTTP API without a token: it would be open to anyone.
    """
    args = list(argv)
    if "--enable-api" not in args or "--auth-token" in args:
        return args
    token = (setting("RASA_TOKEN", env) or "")
    if not token:
        raise SystemExit("--enable-api needs RASA_TOKEN in the environment")
    return [*args, "--auth-token", token]


def write(env: Mapping[str, str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints(env), sort_keys=False), encoding="utf-8")
    path.chmod(0o600)  # may hold the database password
    return path


if __name__ == "__main__":
    sys.stdout.write(yaml.safe_dump(endpoints(os.environ), sort_keys=False))
