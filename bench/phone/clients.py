"""The desktops and phones of part (3): event streams on raw sockets, paired phones that send
multipart photos on keep-alive connections, and the RQ jobs' own timestamps."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.http_client import Connection
from server.domain.companion import PairingPurpose


class Desktop:
    """The attempt's event stream as EventSource reads it: HTTP/1.0 on a raw socket (no
    chunking); every event is kept with the moment it was read."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict, float, float]] = []  # type, data, perf_counter, time
        self.writer: asyncio.StreamWriter | None = None
        self._waiters: dict[tuple[str, int | None], asyncio.Future] = {}

    async def open(self, port: int, attempt_id: int, token: str) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer.write(
            (
                f"GET /api/v1/attempts/{attempt_id}/events HTTP/1.0\r\nHost: bench\r\n"
                f"Accept: text/event-stream\r\nAuthorization: Bearer {token}\r\n\r\n"
            ).encode()
        )
        await self.writer.drain()
        status = await self.reader.readline()
        assert b" 200 " in status, status
        while (await self.reader.readline()) not in (b"\r\n", b""):
            pass
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        event: dict[str, str] = {}
        while line := await self.reader.readline():
            line = line.rstrip(b"\r\n")
            if not line:
                if "event" in event:
                    data = json.loads(event["data"])
                    record = (event["event"], data, time.perf_counter(), time.time())
                    self.events.append(record)
                    waiter = self._waiters.pop((event["event"], data.get("photo_id")), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(record)
                event = {}
            elif not line.startswith(b":"):
                name, _, value = line.decode().partition(":")
                event[name] = value.lstrip(" ")

    def first(self, kind: str, photo_id: int | None = None):
        for event in self.events:
            if event[0] == kind and (photo_id is None or event[1].get("photo_id") == photo_id):
                return event
        return None

    async def wait(self, kind: str, photo_id: int, timeout: float):
        """The first `kind` event about `photo_id`, or None after `timeout` seconds."""
        seen = self.first(kind, photo_id)
        if seen is not None:
            return seen
        waiter = self._waiters.setdefault(
            (kind, photo_id), asyncio.get_running_loop().create_future()
        )
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def multipart(
    fields: dict[str, str], name: str, filename: str, data: bytes, mime: str
) -> tuple[bytes, str]:
    boundary = "----bench-phone-0123456789abcdef"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {mime}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


async def post_raw(connection: Connection, path: str, token: str, body: bytes, content_type: str):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {connection.host}:{connection.port}\r\n"
        f"Content-Length: {len(body)}\r\nContent-Type: {content_type}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    ).encode()
    if connection.writer is None:
        connection.reader, connection.writer = await asyncio.open_connection(
            connection.host, connection.port
        )
    connection.writer.write(head + body)
    await connection.writer.drain()
    return await connection._read_response()


@dataclass
class Phone:
    """A phone paired (answer photo, question 1) with a desktop watching the attempt's events."""

    connection: Connection
    token: str
    pairing_id: int
    desktop: Desktop
    sent: int = 0

    def body(self, photo: bytes, tag: str) -> tuple[bytes, str]:
        """The next upload's multipart body: a fresh upload_id each time."""
        self.sent += 1
        return multipart(
            {"upload_id": f"bench-{tag}-{self.pairing_id}-{self.sent}"},
            "file",
            f"IMG_{self.pairing_id:04d}_{self.sent}.jpg",
            photo,
            "image/jpeg",
        )

    async def send(self, record: dict, body: tuple[bytes, str]) -> None:
        """POST the photo; record its start, its answer and its 202's moments."""
        record["start"], record["start_wall"] = time.perf_counter(), time.time()
        status, answer = await post_raw(
            self.connection, f"/api/v1/pairings/{self.pairing_id}/photos", self.token, *body
        )
        record["accepted"], record["accepted_wall"] = time.perf_counter(), time.time()
        record["status"], record["body"] = status, answer

    async def ready(self, record: dict, timeout: float) -> None:
        """Wait for the desktop's photo_ready about the recorded photo."""
        if record.get("status") != 202:
            return
        ready = await self.desktop.wait("photo_ready", record["body"]["id"], timeout)
        if ready is not None:
            record["ready"], record["ready_wall"] = ready[2], ready[3]
            record["ready_size"] = (ready[1].get("width"), ready[1].get("height"))

    def close(self) -> None:
        self.desktop.close()
        self.connection.close()


async def pair_phones(port: int, sessions: list[tuple[str, int]]) -> list[Phone]:
    """Each session's desktop opens its event stream, asks for question 1's answer-photo code,
    and a phone logs in through /auth/wechat and redeems it; returns once every desktop has
    seen its `paired` event (every stream is live)."""
    desktops = [Desktop() for _ in sessions]
    await asyncio.gather(
        *(
            desktop.open(port, attempt_id, token)
            for desktop, (token, attempt_id) in zip(desktops, sessions, strict=True)
        )
    )

    async def pair(index: int) -> Phone:
        token, attempt_id = sessions[index]
        status, code = await Connection("127.0.0.1", port).request(
            "POST",
            f"/api/v1/attempts/{attempt_id}/questions/1/qrcode",
            {"purpose": PairingPurpose.ANSWER_PHOTO},
            token,
        )
        assert status == 200, code
        connection = Connection("127.0.0.1", port)
        status, login = await connection.request(
            "POST", "/api/v1/auth/wechat", {"code": f"ok-bench-phone-{index}"}
        )
        assert status == 200, login
        status, paired = await connection.request(
            "POST", "/api/v1/pairings", {"scene": code["scene"]}, login["access_token"]
        )
        assert status == 200, paired
        return Phone(connection, login["access_token"], paired["pairing_id"], desktops[index])

    phones = await asyncio.gather(*(pair(index) for index in range(len(sessions))))
    deadline = time.perf_counter() + 30
    while not all(desktop.first("paired") for desktop in desktops):
        assert time.perf_counter() < deadline, "a desktop did not see its phone pair"
        await asyncio.sleep(0.02)
    return list(phones)


def job_times(redis_url: str, uploads: list[dict]) -> None:
    """Each photo's enqueued/started/ended instants from its RQ job (UTC epoch seconds)."""
    from redis import Redis
    from rq.job import Job
    from rq.serializers import JSONSerializer

    connection = Redis.from_url(redis_url)

    def epoch(moment: datetime | None) -> float | None:
        if moment is None:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()

    for record in uploads:
        if record.get("status") != 202:
            continue
        job = Job.fetch(
            f"answer-photo-{record['body']['id']}", connection=connection, serializer=JSONSerializer
        )
        record["enqueued_wall"] = epoch(job.enqueued_at)
        record["started_wall"] = epoch(job.started_at)
        record["ended_wall"] = epoch(job.ended_at)
        record["worker"] = job.worker_name
