"""Bot messages collected as the assistant sent them: one answer, one message.

Rasa's `CollectingOutputChannel` cuts a text at every blank line into separate messages and
sends a `custom` payload as a message of its own, so one answer reached REST clients and the
widget as five to seven bubbles, with its card apart from its words. Here each bot message
stays whole: its `text`, its `buttons` and its `custom` card (replies/card.py) in one dict,
the shape Rasa's REST channel answers with.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

KEPT = ("text", "image", "buttons", "attachment", "custom")


class OneMessageCollector(CollectingOutputChannel):
    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        if message.get("quick_replies") and not message.get("buttons"):
            message["buttons"] = message["quick_replies"]
        kept = {k: message[k] for k in KEPT if message.get(k)}
        if kept:
            await self._persist_message({"recipient_id": recipient_id, **kept})

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})
