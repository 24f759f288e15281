"""runtime/locks.py's override of Rasa's private `_acquire_lock` is the one Rasa runs.

`RecoveringRedisLockStore` replaces a private method of Rasa's lock store. Nothing would
notice if Rasa stopped building our class from the endpoints we write, or if a Rasa
upgrade renamed the method, changed what it is called with, or fixed the stall itself:
the override would be silently dead, or silently wrong. These tests hold it to the Rasa it
was written against, as tests/runtime/test_rasa_fixes.py does for runtime/rasa_fixes.py.
No Redis is needed: Rasa's Redis client connects only on its first command, and the
waiting loop is compared on Rasa's in-memory store, whose tickets work the same way.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path

import pytest
import yaml
from rasa.core.lock import Ticket
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.utils import AvailableEndpoints

from runtime.endpoints import endpoints
from runtime.locks import RecoveringRedisLockStore

OURS = RecoveringRedisLockStore.__dict__["_acquire_lock"]
RASAS = LockStore.__dict__["_acquire_lock"]


def test_rasa_builds_our_lock_store_from_the_endpoints_we_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_TOKEN", "token")  # the file names it; Rasa reads it on load
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints({"REDIS_URL": "redis://:pw@127.0.0.1:6390/3"})))
    store = LockStore.create(AvailableEndpoints.read_endpoints(str(path)).lock_store)
    assert type(store) is RecoveringRedisLockStore
    assert isinstance(store, RedisLockStore)
    assert type(store)._acquire_lock is OURS
    pool = store.red.connection_pool.connection_kwargs
    assert (pool["host"], pool["port"], pool["db"], pool["password"]) == (
        "127.0.0.1", 6390, 3, "pw")
    assert store.key_prefix.startswith("ekey:")


def test_rasa_still_calls_the_method_we_override_with_the_same_arguments() -> None:
    assert "_acquire_lock" not in RedisLockStore.__dict__  # Redis uses the base class's loop
    assert inspect.iscoroutinefunction(RASAS) and inspect.iscoroutinefunction(OURS)
    assert list(inspect.signature(RASAS).parameters) == list(inspect.signature(OURS).parameters) \
        == ["self", "conversation_id", "ticket", "wait_time_in_seconds"]
    # LockStore.lock is the only caller: it must still hand over its ticket this way.
    source = " ".join(inspect.getsource(LockStore.lock).split())
    assert "self._acquire_lock( conversation_id, ticket, wait_time_in_seconds )" in source


def _a_dead_ticket_and_our_own_lapse() -> InMemoryLockStore:
    """Ticket 0: a replica that died holding it. Ticket 1: ours. Ticket 2: a later message.

    0 and 1 have lapsed (TICKET_LOCK_LIFETIME), 2 is live: nothing is ahead of ticket 1.
    """
    store = InMemoryLockStore()
    lock = store.create_lock("sender")
    past = time.time() - 1
    lock.tickets.extend([Ticket(0, past), Ticket(1, past), Ticket(2, time.time() + 60)])
    store.save_lock(lock)
    return store


def test_rasas_waiter_still_stalls_when_its_own_ticket_lapses() -> None:
    """The stall the override exists for: if Rasa fixes it, drop runtime/locks.py."""
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(
            RASAS(_a_dead_ticket_and_our_own_lapse(), "sender", 1, 0.01), timeout=0.5))


def test_our_waiter_proceeds_once_no_live_ticket_is_ahead() -> None:
    lock = asyncio.run(asyncio.wait_for(
        OURS(_a_dead_ticket_and_our_own_lapse(), "sender", 1, 0.01), timeout=0.5))
    assert lock.conversation_id == "sender" and lock.now_serving == 2


def test_our_waiter_still_waits_for_a_live_ticket_ahead() -> None:
    store = InMemoryLockStore()
    lock = store.create_lock("sender")
    lock.tickets.extend([Ticket(0, time.time() + 60), Ticket(1, time.time() + 60)])
    store.save_lock(lock)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(OURS(store, "sender", 1, 0.01), timeout=0.3))
