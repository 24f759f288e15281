"""Rasa's Redis lock store without one stall, for several replicas sharing conversations.

Rasa serves a sender's messages in ticket order and drops tickets older than their lifetime
(TICKET_LOCK_LIFETIME). When a replica dies holding a ticket, the next message's waiter polls
once a second until the dead ticket lapses; if its own ticket lapses in the same interval,
Rasa's waiter never sees itself served and waits until the client gives up. Here a waiter
proceeds as soon as no live ticket is ahead of its own, whether or not its own is still
listed, which is the ordering the lock exists to keep.
"""

from __future__ import annotations

import asyncio

from rasa.core.lock import TicketLock
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class RecoveringRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    async def _acquire_lock(self, conversation_id: str, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None:  # every ticket gone: nobody is ahead
                return self.get_or_create_lock(conversation_id)
            if not [t for t in lock.tickets if t.number < ticket and not t.has_expired()]:
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
