"""Tell an applicant their application moved on, on the channel they registered from.

Only channels that can push (WeChat, WeCom) are told: the REST widget has no way to receive
a message it did not ask for, so its users see the change on their next question. The push
goes through Rasa's conversation API (token-protected): set `notify_reference`, then run
`action_status_notify` with the conversation's latest output channel, so the wording is the
assistant's own and the message lands in the conversation history.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request

from knowledge.applications.store import ApplicationView

PUSH_CHANNELS = frozenset(os.environ.get("PUSH_CHANNELS", "wechat wecom").split())
log = logging.getLogger(__name__)


def _post(url: str, body: object, token: str) -> None:
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30):
        pass


def _push(app: ApplicationView, rasa_url: str, token: str) -> None:
    base = f"{rasa_url}/conversations/{urllib.parse.quote(app.notify_recipient, safe=':@')}"
    _post(f"{base}/tracker/events?token={token}",
          [{"event": "slot", "name": "notify_reference", "value": app.reference}], token)
    _post(f"{base}/execute?output_channel=latest&token={token}",
          {"name": "action_status_notify"}, token)


async def notify(app: ApplicationView) -> str:
    """'sent', or why not: 'channel cannot push', 'not configured', 'failed'."""
    if app.notify_channel not in PUSH_CHANNELS:
        return "channel cannot push"
    rasa_url, token = os.environ.get("RASA_URL", ""), os.environ.get("RASA_TOKEN", "")
    if not (rasa_url and token):
        return "not configured"
    try:
        await asyncio.to_thread(_push, app, rasa_url.rstrip("/"), token)
    except (OSError, urllib.error.URLError) as exc:
        log.warning("status push for an application failed: %s", type(exc).__name__)
        return "failed"
    return "sent"
