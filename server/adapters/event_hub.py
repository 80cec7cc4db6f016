"""Live delivery of the event log: one Redis pub/sub subscription per process (EventHub) waking
the streams it holds, and the SSE stream a desktop reads (sse_stream)."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import redis

from server.adapters.events import (
    NOTIFY_CHANNEL,
    RETRY_MS,
    START,
    Event,
    EventLog,
    InvalidEventId,
    as_text,
    attempt_number,
    parse_event_id,
)

logger = logging.getLogger(__name__)


class EventHub:
    """The per-process fan-out: one pub/sub connection, local mailboxes per attempt.

    A mailbox is a threading.Event (a gevent Event when patched): a notification only sets
    it, so any number of notifications coalesce into one wake and one read of the log; it
    is the cheapest per-stream state there is.

    Reads are shared too (`read_after`): the local streams of one attempt usually sit at the
    same last id, and one publish wakes them all at once; one XRANGE then serves them all
    instead of one per stream (~0.25 ms of redis-py each: 5,000 streams, over a second).
    """

    def __init__(
        self,
        client: redis.Redis,
        poll_seconds: float = 1.0,
        ping_seconds: float = 30.0,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._redis = client
        self._poll = poll_seconds  # also how soon close() takes effect
        self._ping = ping_seconds  # a silent connection is pinged, then replaced if still silent
        self._max_backoff = max_backoff_seconds
        self._subscribers: dict[int, set[threading.Event]] = {}
        self._tickets = itertools.count(1)  # orders wakes and reads; next() is atomic
        self._woken: dict[int, int] = {}  # attempt -> ticket of its last notification
        self._woken_all = 0  # ticket of the last (re)subscription
        # attempt -> reads since its last wake, kept after they finish for the stragglers of
        # that wake; dropped at the next wake (no later reader may use them) or the last leave.
        self._reads: dict[int, dict[tuple, _SharedRead]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._closed = False
        self.connected = False
        self.connections_opened = 0  # pub/sub connections made over the hub's life
        self.subscriptions_confirmed = 0  # SUBSCRIBE confirmations: the first one, then reconnects
        self._read_failures = 0
        self._read_failure_logged = 0.0

    # --- subscribers ---

    def subscribe(self, attempt_id: int) -> threading.Event:
        """A new mailbox for the attempt's notifications; starts the hub on first use."""
        mailbox = threading.Event()
        self._ensure_started()
        with self._lock:
            self._subscribers.setdefault(attempt_number(attempt_id), set()).add(mailbox)
        return mailbox

    def unsubscribe(self, attempt_id: int, mailbox: threading.Event) -> None:
        key = attempt_number(attempt_id)
        with self._lock:
            mailboxes = self._subscribers.get(key)
            if mailboxes is not None:
                mailboxes.discard(mailbox)
                if not mailboxes:
                    del self._subscribers[key]
                    self._woken.pop(key, None)
                    self._reads.pop(key, None)

    def woken_at(self, attempt_id: int) -> int:
        """The ticket of the attempt's last wake: read_after's `since`, taken after subscribe()
        and after each mailbox.clear()."""
        return max(self._woken.get(attempt_number(attempt_id), 0), self._woken_all)

    def read_after(
        self, log: EventLog, attempt_id: int, after: str, limit: int, since: int
    ) -> list[Event]:
        """log.read_after, shared by this process's streams that ask for the same page at once.

        A stream may only share a read that began after the attempt's last wake (`since`):
        a notification comes after its XADD, so such a read holds every event already
        notified, and any event it lacks is still to be notified, which wakes the stream
        again. An earlier read may predate the event that woke the stream.
        """
        key = (id(log), after, limit)
        with self._lock:
            reads = self._reads.setdefault(attempt_id, {})
            shared = reads.get(key)
            leader = shared is None or shared.ticket <= since
            if shared is None or leader:
                shared = reads[key] = _SharedRead(next(self._tickets), threading.Event())
        if not leader:
            shared.done.wait()
            if shared.error is not None or shared.events is None:  # the leader sets one of them
                raise redis.ConnectionError(f"shared read failed: {shared.error}")
            return shared.events
        try:
            shared.events = log.read_after(attempt_id, after, limit)
            return shared.events
        except BaseException as exc:
            shared.error = exc
            with self._lock:  # the next reader tries Redis again
                reads = self._reads.get(attempt_id, {})
                if reads.get(key) is shared:
                    del reads[key]
            raise
        finally:
            shared.done.set()

    def read_failed(self, attempt_id: int, exc: Exception) -> None:
        """Log a failed read of the log at most every 10 s: in an outage every stream fails."""
        self._read_failures += 1
        now = time.monotonic()
        if now - self._read_failure_logged >= 10:
            logger.warning(
                "event streams cannot read their log (%d failures, last for attempt %s): %s",
                self._read_failures,
                attempt_id,
                exc,
            )
            self._read_failure_logged, self._read_failures = now, 0

    def subscriber_count(self, attempt_id: int | None = None) -> int:
        with self._lock:
            if attempt_id is not None:
                return len(self._subscribers.get(attempt_number(attempt_id), ()))
            return sum(len(mailboxes) for mailboxes in self._subscribers.values())

    def close(self) -> None:
        """Stop the hub's thread for good (tests, shutdown); it ends within `poll_seconds`."""
        self._closed = True
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self._poll + 5)

    # --- the background subscription ---

    def _ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        # Nothing under self._lock may switch greenlets: it stays a plain lock when the hub
        # was built before gevent patched the worker (gunicorn --preload).
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()  # after a fork the parent's thread is not ours
            self._subscribers, self._woken, self._reads = {}, {}, {}
            thread = threading.Thread(target=self._run, name="event-hub", daemon=True)
            self._thread = thread
        thread.start()

    def _run(self) -> None:
        backoff = 0.1
        while not self._closed:
            confirmed = self.subscriptions_confirmed
            pubsub = self._redis.pubsub()
            try:
                self.connections_opened += 1
                pubsub.subscribe(NOTIFY_CHANNEL)
                self._listen(pubsub)
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                logger.warning("event hub lost Redis, reconnecting in %.1fs: %s", backoff, exc)
            except Exception:  # a bug must not end live events for the whole process
                logger.exception("event hub failed, restarting in %.1fs", backoff)
            finally:
                self.connected = False
                with contextlib.suppress(Exception):  # the connection is already gone
                    pubsub.close()
            if self._closed:
                break
            if self.subscriptions_confirmed != confirmed:
                backoff = 0.1  # that connection worked: a fresh failure starts the backoff over
            time.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    def _listen(self, pubsub) -> None:
        last_seen = time.monotonic()
        pinged = False
        while not self._closed:
            message = pubsub.get_message(timeout=self._poll)
            now = time.monotonic()
            if message is None:
                if now - last_seen > self._ping * (2 if pinged else 1):
                    if pinged:
                        raise redis.TimeoutError("no answer to PING on the pub/sub connection")
                    pubsub.ping()
                    pinged = True
                continue
            last_seen, pinged = now, False
            kind = as_text(message["type"])
            if kind == "subscribe":
                # A new connection (the first, or redis-py's or our reconnect): notifications
                # sent meanwhile are gone, so every stream re-reads the log from its last id.
                self._wake_all()
                self.subscriptions_confirmed += 1
                self.connected = True
            elif kind == "message":
                self._wake(as_text(message["data"]))

    def _wake(self, raw: str) -> None:
        try:
            key = int(raw)
        except ValueError:
            return
        with self._lock:
            mailboxes = list(self._subscribers.get(key, ()))
            if mailboxes:
                self._woken[key] = next(self._tickets)  # before the wake: see woken_at
                self._reads.pop(key, None)
        for mailbox in mailboxes:
            mailbox.set()

    def _wake_all(self) -> None:
        with self._lock:
            mailboxes = [m for group in self._subscribers.values() for m in group]
            self._woken_all = next(self._tickets)
            self._reads.clear()
        for mailbox in mailboxes:
            mailbox.set()


@dataclass(slots=True)
class _SharedRead:
    ticket: int
    done: threading.Event
    events: list[Event] | None = None
    error: BaseException | None = None


def sse_stream(
    log: EventLog,
    hub: EventHub,
    attempt_id: int,
    last_event_id: str | bytes | None,
    keepalive: float = 15.0,
    stop: Callable[[], bool] | None = None,
    batch: int = 100,
) -> Iterator[bytes]:
    """Server-Sent Events for one attempt, as bytes for a WSGI response.

    First a comment and ``retry:`` (so the headers and first bytes leave at once), then the
    events after `last_event_id` still in the log, then live events; a ``: keepalive``
    comment after each `keepalive` seconds of quiet. `stop`, if given, is asked on every
    wake and keepalive and ends the stream when true. Closing the generator (the server does
    when the client went away) unsubscribes. A garbage `last_event_id` means the start.
    """
    try:
        after = parse_event_id(last_event_id)
    except InvalidEventId:
        after = START
    key = attempt_number(attempt_id)  # fail at call time, before any bytes are sent
    return _stream(log, hub, key, after, keepalive, stop, batch)


def _stream(log, hub, attempt_id, after, keepalive, stop, batch) -> Iterator[bytes]:
    # Subscribed before the replay: an event published between the two still wakes us.
    mailbox = hub.subscribe(attempt_id)
    since = hub.woken_at(attempt_id)
    try:
        yield f": connected\nretry: {RETRY_MS}\n\n".encode()
        pending = True  # the log may hold events we have not sent
        while True:
            if pending:
                try:
                    while True:
                        events = hub.read_after(log, attempt_id, after, batch, since)
                        for event in events:
                            after = event.id
                            yield event.sse()
                        if len(events) < batch:
                            break
                    pending = False
                except redis.RedisError as exc:
                    # Keep the stream and our place; read again on the next wake or keepalive.
                    hub.read_failed(attempt_id, exc)
            if stop is not None and stop():
                return
            if mailbox.wait(keepalive):
                mailbox.clear()  # first, so a notification from now on is kept for next time
                since = hub.woken_at(attempt_id)
                pending = True
            else:
                yield b": keepalive\n\n"
    finally:
        hub.unsubscribe(attempt_id, mailbox)
