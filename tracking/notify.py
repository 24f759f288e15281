"""Tell an applicant their application moved on, on the channel they registered from.

Only channels that can push (WeChat, WeCom) are told: the REST widget has no way to receive
a message it did not ask for, so its users see the change on their next question. The push
goes through Rasa's conversation API (token-protected): record in the store that one push is
due (the action sends nothing without that record), set `notify_reference`, then run
`action_status_notify` with the conversation's latest output channel, so the wording is the
assistant's own and the message lands in the conversation history.

What staff are told is what happened. Rasa answers a channel that cannot send (WeChat or
WeCom without its app secret) by collecting the messages instead and returning them, so
messages in the answer mean nothing went out; a send API that refuses makes the channel
raise, and Rasa answers 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from runtime.settings import setting
from tracking.store import ApplicationStore, ApplicationView, shared_store

PUSH_CHANNELS = frozenset(setting("PUSH_CHANNELS").split())
log = logging.getLogger(__name__)


def _post(url: str, body: object, token: str) -> dict:
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        answer = json.loads(resp.read() or b"{}")
    return answer if isinstance(answer, dict) else {}


def _push(app: ApplicationView, rasa_url: str, token: str) -> str:
    base = f"{rasa_url}/conversations/{urllib.parse.quote(app.notify_recipient, safe=':@')}"
    _post(f"{base}/tracker/events?token={token}",
          [{"event": "slot", "name": "notify_reference", "value": app.reference}], token)
    answer = _post(f"{base}/execute?output_channel=latest&token={token}",
                   {"name": "action_status_notify"}, token)
    # Rasa includes "messages" only when it had to collect them: no channel sent them.
    return "no send credentials" if "messages" in answer else "sent"


async def notify(app: ApplicationView, store: ApplicationStore | None = None) -> str:
    """'sent', or why not: 'channel cannot push', 'not configured', 'no send credentials'
    (the channel has no app secret to send with), 'failed'."""
    if app.notify_channel not in PUSH_CHANNELS:
        return "channel cannot push"
    rasa_url, token = (setting("RASA_URL") or ""), (setting("RASA_TOKEN") or "")
    if not (rasa_url and token):
        return "not configured"
    try:
        await asyncio.to_thread((store or shared_store()).expect_notification, app)
        return await asyncio.to_thread(_push, app, rasa_url.rstrip("/"), token)
    except (OSError, ValueError, urllib.error.URLError) as exc:
        log.warning("status push for an application failed: %s", type(exc).__name__)
        return "failed"
