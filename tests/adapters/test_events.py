"""The attempt event log and its live fan-out, against a real Redis (service_urls)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis

from infra.services import free_port, redis_server
from server.adapters.event_hub import EventHub, sse_stream
from server.adapters.events import (
    NOTIFY_CHANNEL,
    Event,
    EventLog,
    InvalidEventId,
    make_event_redis,
    parse_event_id,
    stream_key,
)
from server.domain.events import EventType
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url(service_urls) -> str:
    return service_urls[1]


@pytest.fixture
def raw(redis_url) -> redis.Redis:
    """A separate connection: what another process (an RQ worker) would publish through."""
    return redis.Redis.from_url(redis_url, decode_responses=True)


@pytest.fixture
def log(redis_url) -> EventLog:
    return EventLog(make_event_redis(redis_url), types=EventType)


@pytest.fixture
def hub_name() -> str:
    """Our hub's connection name: other suites' hubs or RQ workers may share this Redis."""
    return f"events-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def hub(redis_url, hub_name):
    hub = EventHub(make_event_redis(redis_url, client_name=hub_name), poll_seconds=0.2)
    yield hub
    hub.close()


def pubsub_clients(client: redis.Redis, name: str) -> list[dict]:
    return [c for c in client.client_list(_type="pubsub") if c["name"] == name]


def event_chunks(chunks: list[bytes]) -> list[bytes]:
    return [chunk for chunk in chunks if chunk.startswith(b"id: ")]


def parse_sse(chunk: bytes) -> Event:
    fields = dict(line.split(": ", 1) for line in chunk.decode().strip("\n").split("\n"))
    return Event(fields["id"], fields["event"], json.loads(fields["data"]))


def read_until_event(stream, timeout: float = 10.0) -> tuple[Event, list[bytes]]:
    """next() until an event frame (the stream yields at least every keepalive)."""
    deadline = time.monotonic() + timeout
    skipped = []
    while time.monotonic() < deadline:
        chunk = next(stream)
        if chunk.startswith(b"id: "):
            return parse_sse(chunk), skipped
        skipped.append(chunk)
    raise AssertionError(f"no event within {timeout}s; got {skipped!r}")


class StreamReader:
    """Drives one sse_stream in a thread; stop() ends it through the stream's `stop` hook."""

    def __init__(self, log, hub, attempt_id, last_event_id=None, keepalive=0.2):
        self.chunks: queue.Queue[bytes] = queue.Queue()
        self._stopped = threading.Event()
        self._stream = sse_stream(
            log, hub, attempt_id, last_event_id, keepalive=keepalive, stop=self._stopped.is_set
        )
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        for chunk in self._stream:
            self.chunks.put(chunk)

    def next_event(self, timeout: float = 10.0) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            chunk = self.chunks.get(timeout=max(0.01, deadline - time.monotonic()))
            if chunk.startswith(b"id: "):
                return parse_sse(chunk)

    def drain(self) -> list[bytes]:
        drained = []
        while not self.chunks.empty():
            drained.append(self.chunks.get_nowait())
        return drained

    def stop(self):
        self._stopped.set()
        self._thread.join(5)
        assert not self._thread.is_alive()


# --- ids ---


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "0"),
        ("", "0"),
        ("0", "0"),
        (" 0 ", "0"),
        (b"1700000000000-3", "1700000000000-3"),
        ("1700000000000-0", "1700000000000-0"),
        ("007-01", "7-1"),
        (f"{2**64 - 1}-{2**64 - 1}", f"{2**64 - 1}-{2**64 - 1}"),
    ],
)
def test_parse_event_id_accepts_stream_ids_and_zero(value, expected):
    assert parse_event_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "1700000000000",
        "-1",
        "1-2-3",
        "1-",
        "-1-1",
        "1.5-0",
        "1-0;DROP",
        "١٢-٣",
        f"{2**64}-0",
        f"0-{2**64}",
        "1" * 21 + "-0",
        "+",
        "-",
        "$",
        "(1-0",
    ],
)
def test_parse_event_id_refuses_garbage(value):
    with pytest.raises(InvalidEventId):
        parse_event_id(value)


# --- the log ---


def test_publish_then_read_after_returns_events_in_order_with_ids(log, raw):
    listener = raw.pubsub(ignore_subscribe_messages=True)
    listener.subscribe(NOTIFY_CHANNEL)
    ids = [log.publish(7, "upload_received", {"n": n}) for n in range(3)]
    ids.append(log.publish(7, "photo_ready", {"url": "/api/v1/files/p/7.jpg", "名": "照片"}))

    events = log.read_after(7, "0")
    assert [e.id for e in events] == ids
    assert [e.type for e in events] == ["upload_received"] * 3 + ["photo_ready"]
    assert events[3].data == {"url": "/api/v1/files/p/7.jpg", "名": "照片"}
    assert events[0].as_dict() == {"id": ids[0], "type": "upload_received", "data": {"n": 0}}
    assert all(parse_event_id(i) == i for i in ids)  # stream ids pass our own validation
    # Exclusive start, limit, the end, another attempt.
    assert [e.id for e in log.read_after(7, ids[1])] == ids[2:]
    assert [e.id for e in log.read_after(7, "0", limit=2)] == ids[:2]
    assert log.read_after(7, ids[-1]) == []
    assert log.read_after(7, f"{2**64 - 1}-{2**64 - 1}") == []
    assert log.read_after(8, "0") == []
    # Written as a stream with an expiry; each publish names the attempt on the shared channel.
    assert raw.xlen(stream_key(7)) == 4
    assert 0 < raw.ttl(stream_key(7)) <= 2 * 3600
    notes, deadline = [], time.monotonic() + 5
    while len(notes) < 4 and time.monotonic() < deadline:
        note = listener.get_message(timeout=1)  # None for the subscribe confirmation
        if note:
            notes.append((note["channel"], note["data"]))
    assert notes == [(NOTIFY_CHANNEL, "7")] * 4
    listener.close()


def test_read_after_refuses_a_garbage_id_and_publish_an_unknown_type(log, redis_url):
    with pytest.raises(InvalidEventId):
        log.read_after(7, "yesterday")
    with pytest.raises(ValueError):
        log.publish(7, "no_such_type", {})
    with pytest.raises(ValueError):
        log.publish(0, "paired", {})
    with pytest.raises(ValueError):  # a log built without types only reads
        EventLog(make_event_redis(redis_url)).publish(7, "paired", {})


def test_the_log_is_capped_and_read_from_what_is_kept(redis_url, raw):
    log = EventLog(make_event_redis(redis_url), types=EventType, maxlen=500)
    first = log.publish(3, "paired", {"n": 0})
    ids = [log.publish(3, "flag_raised", {"n": n}) for n in range(1, 1200)]

    length = raw.xlen(stream_key(3))
    # MAXLEN ~ trims whole radix-tree nodes (100 entries by default): 500 <= kept < 600.
    assert 500 <= length < 600
    kept = []
    after = "0"
    while batch := log.read_after(3, after, limit=100):
        kept += batch
        after = batch[-1].id
    assert len(kept) == length
    assert kept[-1].id == ids[-1] and kept[-1].data == {"n": 1199}
    assert first not in {e.id for e in kept}
    # A client whose last id was trimmed away gets what is kept, in order.
    assert [e.id for e in log.read_after(3, first, limit=1000)] == [e.id for e in kept]


# --- SSE ---


def test_stream_starts_at_once_then_keepalives_when_idle(log, hub):
    stream = sse_stream(log, hub, 5, None, keepalive=0.2)
    started = time.monotonic()
    assert next(stream) == b": connected\nretry: 3000\n\n"
    assert time.monotonic() - started < 1.0
    assert next(stream) == b": keepalive\n\n"
    assert next(stream) == b": keepalive\n\n"
    assert time.monotonic() - started < 2.0
    stream.close()


def test_stream_receives_a_live_event_published_from_another_connection(log, hub, raw, redis_url):
    publisher = EventLog(redis.Redis.from_url(redis_url), types=EventType)  # as an RQ worker would
    stream = sse_stream(log, hub, 11, None, keepalive=5.0)
    assert next(stream).startswith(b": connected")
    wait_until(lambda: hub.connected, timeout=5)
    published = []
    timer = threading.Timer(
        0.3,
        lambda: published.append(
            publisher.publish(11, "photo_ready", {"url": "https://s3.example/p.jpg?sig=1"})
        ),
    )
    timer.start()

    started = time.monotonic()
    event, skipped = read_until_event(stream)
    assert time.monotonic() - started < 2.0  # woken by the notification, not the keepalive
    assert skipped == []
    timer.join()  # the event can arrive before publish() has returned its id
    assert event == Event(published[0], "photo_ready", {"url": "https://s3.example/p.jpg?sig=1"})
    chunk = event.sse()
    assert (
        chunk
        == (
            f"id: {published[0]}\nevent: photo_ready\n"
            'data: {"url":"https://s3.example/p.jpg?sig=1"}\n\n'
        ).encode()
    )
    stream.close()


def test_last_event_id_replays_only_the_missed_events_then_continues_live(log, hub):
    ids = [log.publish(21, "upload_received", {"n": n}) for n in range(4)]

    stream = sse_stream(log, hub, 21, ids[1], keepalive=0.2)
    assert next(stream).startswith(b": connected")
    assert [parse_sse(next(stream)).id for _ in range(2)] == ids[2:]
    assert next(stream) == b": keepalive\n\n"  # nothing else replayed
    live = log.publish(21, "upload_rejected", {"reason": "too_large"})
    event, _ = read_until_event(stream)
    assert event == Event(live, "upload_rejected", {"reason": "too_large"})
    stream.close()

    # A garbage Last-Event-ID (a header the browser echoes) replays the kept log.
    stream = sse_stream(log, hub, 21, "not-an-id", keepalive=0.2)
    next(stream)
    assert [parse_sse(next(stream)).id for _ in range(5)] == [*ids, live]
    stream.close()


def test_replay_is_read_in_batches(log, hub):
    ids = [log.publish(22, "flag_raised", {"n": n}) for n in range(7)]
    stream = sse_stream(log, hub, 22, "0", keepalive=0.2, batch=3)
    next(stream)
    assert [parse_sse(next(stream)).id for _ in range(7)] == ids
    assert next(stream) == b": keepalive\n\n"
    stream.close()


def test_two_subscribers_of_one_attempt_get_the_event_and_another_attempt_does_not(log, hub):
    first, second = StreamReader(log, hub, 31), StreamReader(log, hub, 31)
    other = StreamReader(log, hub, 32)
    wait_until(lambda: hub.subscriber_count() == 3 and hub.connected, timeout=5)

    event_id = log.publish(31, "face_check", {"status": "passed"})
    assert first.next_event().id == event_id
    assert second.next_event().id == event_id
    time.sleep(0.5)
    assert event_chunks(other.drain()) == []
    assert hub.subscriber_count(31) == 2 and hub.subscriber_count(32) == 1

    for reader in (first, second, other):
        reader.stop()
    assert hub.subscriber_count() == 0


def test_closing_the_stream_unsubscribes(log, hub):
    streams = [sse_stream(log, hub, 41, None, keepalive=0.2) for _ in range(3)]
    assert hub.subscriber_count() == 0  # nothing subscribes before the first next()
    for stream in streams:
        next(stream)
    assert hub.subscriber_count(41) == 3
    streams[0].close()  # GeneratorExit at the yield
    assert hub.subscriber_count(41) == 2
    for stream in streams[1:]:
        stream.close()
    assert hub.subscriber_count() == 0
    assert hub._subscribers == {} and hub._reads == {} and hub._woken == {}  # nothing left behind

    # `stop` ends the stream on its own, and that unsubscribes too.
    done = threading.Event()
    stream = sse_stream(log, hub, 42, None, keepalive=0.1, stop=done.is_set)
    next(stream)
    assert hub.subscriber_count(42) == 1
    done.set()
    assert list(stream) == []
    assert hub.subscriber_count() == 0


class CountingLog(EventLog):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = 0

    def read_after(self, *args, **kwargs):
        self.reads += 1
        return super().read_after(*args, **kwargs)


def test_one_pubsub_connection_serves_many_streams(redis_url, hub, hub_name, raw):
    log = CountingLog(make_event_redis(redis_url), types=EventType)
    streams = {
        attempt: [sse_stream(log, hub, attempt, None, keepalive=5.0) for _ in range(5)]
        for attempt in range(101, 111)
    }
    for group in streams.values():
        for stream in group:
            next(stream)
    wait_until(lambda: hub.connected, timeout=5)
    assert hub.subscriber_count() == 50
    assert len(pubsub_clients(raw, hub_name)) == 1
    assert hub.connections_opened == 1

    log.reads = 0
    ids = {attempt: log.publish(attempt, "paired", {"attempt": attempt}) for attempt in streams}
    for attempt, group in streams.items():
        for stream in group:
            event, _ = read_until_event(stream, timeout=3)
            assert (event.id, event.data) == (ids[attempt], {"attempt": attempt})
            stream.close()
    assert log.reads == 10  # one read of the log per attempt, shared by its five streams
    assert hub.subscriber_count() == 0
    assert len(pubsub_clients(raw, hub_name)) == 1  # the hub stays for the next streams


def test_streams_share_a_read_only_if_it_began_after_their_wake(hub):
    """A read in flight may predate the event that woke a stream: that stream reads again."""
    gate, calls = threading.Event(), []

    class SlowLog:
        def read_after(self, attempt_id, after, limit):
            calls.append(after)
            number = len(calls)
            assert gate.wait(5)
            return [Event(f"{number}-0", "paired", {})]

    slow, results = SlowLog(), {}
    mailbox = hub.subscribe(71)
    wait_until(lambda: hub.connected, timeout=5)  # the first subscription's wake is behind us
    mailbox.clear()

    def read(name, since):
        results[name] = hub.read_after(slow, 71, "0", 100, since)

    since = hub.woken_at(71)
    threads = [threading.Thread(target=read, args=("leader", since))]
    threads[0].start()
    wait_until(lambda: len(calls) == 1, timeout=5)
    threads.append(threading.Thread(target=read, args=("follower", since)))
    threads[1].start()
    time.sleep(0.2)
    assert len(calls) == 1  # joined the read in flight

    hub._wake("71")  # a notification arrives while that read is in flight
    assert mailbox.is_set()
    threads.append(threading.Thread(target=read, args=("woken", hub.woken_at(71))))
    threads[2].start()
    wait_until(lambda: len(calls) == 2, timeout=5)  # could not join: it reads again
    gate.set()
    for thread in threads:
        thread.join(5)
    assert results["leader"] is results["follower"]
    assert [e.id for e in results["leader"]] == ["1-0"] and [e.id for e in results["woken"]] == [
        "2-0"
    ]
    # A straggler of the same wake reuses the finished read; the next wake drops it.
    assert hub.read_after(slow, 71, "0", 100, hub.woken_at(71)) is results["woken"]
    hub._wake("71")
    assert hub.read_after(slow, 71, "0", 100, hub.woken_at(71)) is not results["woken"]
    assert len(calls) == 3
    hub.unsubscribe(71, mailbox)
    assert hub._reads == {}


def test_hub_reconnects_after_its_connection_is_killed(log, hub, hub_name, raw):
    reader = StreamReader(log, hub, 51)
    wait_until(lambda: hub.connected, timeout=5)
    before = hub.subscriptions_confirmed
    first = log.publish(51, "paired", {})
    assert reader.next_event().id == first

    [victim] = pubsub_clients(raw, hub_name)
    assert raw.client_kill_filter(_id=victim["id"], _type="pubsub") == 1
    # Published while the hub may still be reconnecting: the wake on resubscribe finds it.
    missed = log.publish(51, "second_camera_lost", {})
    assert reader.next_event(timeout=15).id == missed
    wait_until(lambda: hub.subscriptions_confirmed > before and hub.connected, timeout=15)
    [successor] = pubsub_clients(raw, hub_name)
    assert successor["id"] != victim["id"]

    later = log.publish(51, "flag_raised", {"kind": "multiple_faces"})
    assert reader.next_event(timeout=5).id == later
    assert event_chunks(reader.drain()) == []  # no duplicates
    reader.stop()


def test_hub_survives_a_redis_restart(tmp_path):
    """Redis stops (streams stay open, keepalives continue), comes back empty on the same
    port: the hub reconnects and a later event still arrives; ids keep growing (time-based)."""
    port = free_port()
    with redis_server(port=port) as url:
        log = EventLog(make_event_redis(url), types=EventType)
        hub = EventHub(make_event_redis(url), poll_seconds=0.2, max_backoff_seconds=0.5)
        reader = StreamReader(log, hub, 61)
        wait_until(lambda: hub.connected, timeout=5)
        before = log.publish(61, "paired", {})
        assert reader.next_event().id == before
    try:
        wait_until(lambda: not hub.connected, timeout=10)
        hub._wake_all()  # as after a reconnect: the stream's read fails, it keeps its place
        time.sleep(0.5)
        assert b": keepalive\n\n" in reader.drain()  # the stream outlives the outage
        with redis_server(port=port) as url:
            wait_until(lambda: hub.connected, timeout=20)
            after = log.publish(61, "photo_ready", {"url": "/x"})
            event = reader.next_event(timeout=10)
            assert event.id == after
            assert tuple(map(int, after.split("-"))) > tuple(map(int, before.split("-")))
            reader.stop()
            assert hub.subscriber_count() == 0
    finally:
        hub.close()


# --- gevent: many streams as greenlets in one process ---

GEVENT_SCRIPT = r"""
from gevent import monkey; monkey.patch_all()
import json, sys, threading, time
import gevent, gevent.event, redis
from server.adapters.event_hub import EventHub, sse_stream
from server.adapters.events import EventLog, make_event_redis

url, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client = make_event_redis(url, client_name=name)
log, hub = EventLog(client, types=("photo_ready", "flag_raised")), EventHub(client)
attempts = [1, 2, 3, 4]
received = {}

def rss_mb():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024

def serve(i):
    stream = sse_stream(log, hub, attempts[i % 4], None, keepalive=5.0)
    got = []
    try:
        for chunk in stream:
            if chunk.startswith(b"id: "):
                got.append(chunk.split(b"\n", 1)[0][4:].decode())
                if len(got) == 2:
                    break
    finally:
        stream.close()
    received[i] = got

rss_before = rss_mb()
greenlets = [gevent.spawn(serve, i) for i in range(n)]
deadline = time.monotonic() + 30
while (hub.subscriber_count() < n or not hub.connected) and time.monotonic() < deadline:
    gevent.sleep(0.05)
rss_idle = rss_mb()
with open("/proc/self/status") as status:  # the hub is a greenlet: no OS thread of its own
    os_threads = int(next(l for l in status if l.startswith("Threads:")).split()[1])
pubsub_clients = sum(
    c["name"] == name for c in redis.Redis.from_url(url).client_list(_type="pubsub")
)
started = time.monotonic()
published = {
    a: [log.publish(a, "photo_ready", {"url": f"/p/{a}"}), log.publish(a, "flag_raised", {})]
    for a in attempts
}
gevent.joinall(greenlets, timeout=30)
print(json.dumps({
    "patched": monkey.is_module_patched("threading"),
    "os_threads": os_threads,
    "mailbox_is_gevent": isinstance(threading.Event(), gevent.event.Event),
    "subscribed": n,
    "delivered_all": all(received.get(i) == published[attempts[i % 4]] for i in range(n)),
    "finished": sum(g.successful() for g in greenlets), "delivery_s": time.monotonic() - started,
    "subscribers_after": hub.subscriber_count(), "pubsub_clients": pubsub_clients,
    "hub_connections": hub.connections_opened, "rss_before_mb": rss_before, "rss_idle_mb": rss_idle,
}))
"""


@pytest.mark.slow
def test_gevent_greenlets_share_one_hub(redis_url, hub_name):
    n = 2000
    result = subprocess.run(
        [sys.executable, "-c", GEVENT_SCRIPT, redis_url, str(n), hub_name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(figures)
    assert figures["patched"] and figures["mailbox_is_gevent"]
    assert figures["finished"] == n and figures["delivered_all"]
    assert figures["subscribers_after"] == 0
    assert figures["pubsub_clients"] == 1 and figures["hub_connections"] == 1
    assert figures["delivery_s"] < 10
    # Idle streams are cheap: a mailbox and a suspended generator each.
    assert figures["rss_idle_mb"] - figures["rss_before_mb"] < 60
