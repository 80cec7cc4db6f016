"""Live events per exam attempt: a short log in Redis Streams, fanned out to SSE clients.

The stream ``events:attempt:<id>`` is the source of truth; pub/sub only says "look again".
Publishers (web or RQ worker processes) XADD the event and PUBLISH the attempt id on ONE
shared channel, ``events:notify``, in one MULTI round trip. Every web process holds ONE
subscription to that channel (event_hub.EventHub) and wakes its local streams of that attempt, which
then read the stream from their own last id. So ordering and no-duplicates come from the
stream ids, and a lost notification (Redis restart, a reconnect, a late subscription) costs
latency, never an event.

Why one plain channel rather than PSUBSCRIBE ``events:attempt:*``: with one subscription per
process both deliver every notification to every process, and the hub filters by a dict
lookup either way; a plain channel is a hash lookup in Redis, while a pattern is matched
against every PUBLISH on the server (RQ's own pub/sub included). Subscribing per attempt on
the shared connection would filter in Redis instead, but needs SUBSCRIBE/UNSUBSCRIBE traffic
from request greenlets on the connection the hub is reading and a resubscribe of thousands
of channels after a reconnect; events are rare (a few per attempt per exam), so it is not
worth it.

Event ids are the stream ids (``1700000000000-0``): valid SSE ids, ordered, and time-based,
so a client's last id stays meaningful after the key expired or Redis restarted empty.
Client-supplied ids: ``parse_event_id`` is strict (ASCII ``[0-9]+-[0-9]+`` or ``0``, each part below
2**64) and raises InvalidEventId (a ValueError) for anything else: the route answers 422
for a bad ``?after=``. ``sse_stream`` is lenient with ``Last-Event-ID``: garbage replays the
kept log from the start, because the browser echoes that header by itself and an error
status would make EventSource give up for good.

Nothing connects at import or construction; the hub's thread starts on the first subscriber.
Under gunicorn's gevent worker ``threading`` is monkey-patched, so the hub is a greenlet and
the mailboxes are gevent Events; ``threading`` is looked up at call time for that reason.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import redis
from redis.typing import EncodableT, FieldT

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "events:notify"
DEFAULT_MAXLEN = 500  # approximate (MAXLEN ~): Redis trims whole nodes, so up to ~100 more
DEFAULT_TTL_SECONDS = 2 * 3600  # renewed on every publish
START = "0"  # "from the start of the kept log"
RETRY_MS = 3000
MAX_PAGE = 1000
_MAX_PART = 2**64 - 1
_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")  # ASCII only: \d matches any script's digits


class InvalidEventId(ValueError):
    """An event id that is neither ``0`` nor a stream id ``<ms>-<seq>``."""


def parse_event_id(value: str | bytes | None) -> str:
    """The id normalised (``None``/empty/``0`` mean the start); InvalidEventId otherwise."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if value is None or value.strip() in ("", START):
        return START
    match = _ID.fullmatch(value.strip())
    if not match or int(match[1]) > _MAX_PART or int(match[2]) > _MAX_PART:
        raise InvalidEventId(f"invalid event id: {value!r}")
    return f"{int(match[1])}-{int(match[2])}"


def stream_key(attempt_id: int) -> str:
    return f"events:attempt:{attempt_number(attempt_id)}"


def attempt_number(attempt_id: int | str) -> int:
    value = int(attempt_id)  # ValueError for garbage; attempt ids are database integers
    if value < 1:
        raise ValueError(f"invalid attempt id: {attempt_id!r}")
    return value


def as_text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str
    data: dict[str, Any]
    # The data as stored (one line of JSON): one event fans out to many streams unencoded again.
    stored: str | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON page's shape: ``{"id", "type", "data"}``."""
        return {"id": self.id, "type": self.type, "data": self.data}

    def sse(self) -> bytes:
        data = self.stored
        if data is None or "\n" in data or "\r" in data:
            # json.dumps escapes newlines inside strings, so data is always one line.
            data = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.type}\ndata: {data}\n\n".encode()


class EventLog:
    """Append and read one attempt's events; usable from web and worker processes alike.

    `types` are the event types publish accepts (the domain's EventType, passed by whoever
    builds the log: this layer cannot import the domain); any other type is a ValueError. A
    log built without them only reads.
    """

    def __init__(
        self,
        client: redis.Redis,
        types: Iterable[str] = (),
        maxlen: int = DEFAULT_MAXLEN,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
    ) -> None:
        self._redis = client
        self._types = frozenset(types)
        self._maxlen = maxlen
        self._ttl = ttl_seconds

    def publish(self, attempt_id: int, type: str, data: dict[str, Any] | None = None) -> str:
        """Append the event, renew the log's expiry and notify the hubs; returns the event id."""
        if type not in self._types:
            raise ValueError(f"unknown event type: {type!r}")
        key = stream_key(attempt_id)
        fields: dict[FieldT, EncodableT] = {
            "type": type,
            "data": json.dumps(data or {}, ensure_ascii=False, separators=(",", ":")),
        }
        pipe = self._redis.pipeline(transaction=True)
        pipe.xadd(key, fields, maxlen=self._maxlen, approximate=True)
        pipe.expire(key, self._ttl)
        # The message is only a hint ("look again"): readers trust the stream, not this.
        pipe.publish(NOTIFY_CHANNEL, str(attempt_number(attempt_id)))
        event_id, _, _ = pipe.execute()
        return as_text(event_id)

    def read_after(self, attempt_id: int, after_id: str = START, limit: int = 100) -> list[Event]:
        """Up to `limit` (at most MAX_PAGE) events with ids greater than `after_id`, oldest
        first; InvalidEventId for a malformed id."""
        after = parse_event_id(after_id)
        limit = max(1, min(limit, MAX_PAGE))
        if after == f"{_MAX_PART}-{_MAX_PART}":
            return []  # nothing can follow; Redis refuses an exclusive start at the maximum
        start = "-" if after == START else f"({after}"
        # XRANGE never answers nil entries or fields (XCLAIM may); redis-py types them as optional.
        entries = cast(
            list[tuple[bytes | str, dict[bytes | str, bytes | str]]],
            self._redis.xrange(stream_key(attempt_id), min=start, max="+", count=limit),
        )
        events = []
        for entry_id, raw_fields in entries:
            fields = {as_text(k): as_text(v) for k, v in raw_fields.items()}
            raw_data = fields.get("data") or "{}"
            stored: str | None = raw_data
            try:
                data = json.loads(raw_data)
            except ValueError:  # written by someone else: deliver the event, drop the payload
                data, stored = {}, None
            events.append(Event(as_text(entry_id), fields.get("type", "message"), data, stored))
        return events


def make_event_redis(
    url: str, max_connections: int = 32, client_name: str = "examcloud-events"
) -> redis.Redis:
    """A client for EventLog/EventHub in a web process, with a bounded, blocking pool.

    A burst of reads (streams reconnecting, a wake after a reconnect) must not open a Redis
    connection per stream and keep them all. The hub's subscription holds one of these
    connections for good; the name makes it easy to find in CLIENT LIST.
    """
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=20,
        socket_timeout=10,
        socket_connect_timeout=5,
        socket_keepalive=True,
        client_name=client_name,
    )
    return redis.Redis(connection_pool=pool)
