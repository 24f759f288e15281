"""Every setting the assistant reads from the environment, with its default: the one list.

Code reads a setting only through `setting(name)` (or `setting(name, env)` where a caller
hands in its own environment, as the tests and the process launcher do), so a variable that
is not listed here cannot be read, and docs/operations.md is checked against this list
(tests/runtime/test_settings.py). A default of None means "unset": the caller decides, often
with something made at start (a random token, a path under var/). This module imports
nothing of the project, so every layer may use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    meaning: str


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    # ports and processes (runtime/serve.py)
    Setting("RASA_PORT", "5005", "Rasa's port"),
    Setting("ACTIONS_PORT", "5055", "the action server's port"),
    Setting("WEB_PORT", "8000", "the web app's port"),
    Setting("ACTIONS_HOST", "127.0.0.1", "where the action server listens"),
    Setting("RASA_REPLICAS", "1", "Rasa processes behind nginx"),
    Setting("ACTION_ENDPOINT_URL", None, "where Rasa calls the action server"),
    # secrets
    Setting("RASA_TOKEN", None, "Rasa's HTTP API token (random per start when unset)"),
    Setting("ACTIONS_TOKEN", None, "what Rasa sends the action server (random when unset)"),
    Setting("STAFF_TOKEN", None, "the staff console and API (made up and printed when unset)"),
    # web
    Setting("CORS_ORIGINS", None, "browser origins Rasa and the feedback route answer"),
    Setting("TRUSTED_PROXIES", None, "reverse proxies whose X-Forwarded-For is believed"),
    Setting("RASA_URL", None, "Rasa as the web app reaches it (set by make run)"),
    Setting("WIDGET_RASA_URL", None, "Rasa as the widget's browser reaches it"),
    # limits
    Setting("RATE_LIMIT_PER_SECOND", "3", "REST messages per second per sender"),
    Setting("RATE_LIMIT_BURST", "20", "REST burst per sender"),
    Setting("RATE_LIMIT_ADDRESS_PER_SECOND", "10", "REST messages per second per address"),
    Setting("RATE_LIMIT_ADDRESS_BURST", "60", "REST burst per address"),
    Setting("FEEDBACK_PER_SECOND", "1", "feedback ratings per second per address"),
    Setting("FEEDBACK_BURST", "20", "feedback burst per address"),
    # storage
    Setting("EKEY_VAR_DIR", None, "where the embedded databases, logs and reports go (var/)"),
    Setting("DATABASE_URL", None, "PostgreSQL for knowledge, applications and trackers"),
    Setting("TRACKER_DB", None, "the embedded tracker store's SQLite file"),
    Setting("REDIS_URL", None, "Redis for Rasa's lock store and the REST rate limits"),
    Setting("EKEY_SEEDS_DIR", None, "the seed documents (../shared/seeds beside the clone)"),
    # review loop
    Setting("REVIEW_SALT", None, "salt of the sender hashes (random, kept in var/, when unset)"),
    Setting("REVIEW_RETENTION_DAYS", None, "days captured turns are kept (90 when unset)"),
    Setting("REVIEW_LOW_CONFIDENCE", "0.5", "answers below this confidence are kept for review"),
    # WeChat and WeCom
    Setting("PUSH_CHANNELS", "wechat wecom", "channels a status update is pushed to"),
    Setting("WECHAT_TOKEN", "", "Official Account token"),
    Setting("WECHAT_APP_ID", "", "Official Account AppID"),
    Setting("WECHAT_AES_KEY", "", "Official Account EncodingAESKey (safe mode)"),
    Setting("WECHAT_APP_SECRET", "", "Official Account AppSecret (late answers, pushes)"),
    Setting("WECHAT_API_BASE", None, "the Official Account send API's base URL"),
    Setting("WECOM_TOKEN", "", "WeCom token"),
    Setting("WECOM_CORP_ID", "", "WeCom CorpID"),
    Setting("WECOM_AES_KEY", "", "WeCom EncodingAESKey"),
    Setting("WECOM_SECRET", "", "WeCom app secret (late answers, pushes)"),
    Setting("WECOM_AGENT_ID", "", "WeCom AgentId"),
    Setting("WECOM_API_BASE", None, "the WeCom send API's base URL"),
)}


def setting(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The value of a listed setting in ``env`` (default: this process's environment), or its
    default when unset. An unlisted name is a KeyError: a typo must not read as "unset"."""
    spec = SETTINGS[name]
    value = (os.environ if env is None else env).get(name)
    return spec.default if value is None else value
