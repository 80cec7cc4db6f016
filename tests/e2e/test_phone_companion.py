"""The phone companion end to end: real gunicorn (gevent), Redis, PostgreSQL and a media worker;
WeChat faked over loopback HTTP. The desktop's event stream is read as a browser would."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from infra.services import API_COMMAND, free_port, stop_process, wait_for_port
from server.domain.companion import Pairing
from server.domain.identity import default_password
from tests.conftest import make_settings, service_env
from tests.factories import SAMPLE_BANK
from tests.fakes.wechat import APPID, SECRET, FakeWeChat, FakeWeChatServer
from tests.photos import GPS_IFD, camera_jpeg

pytestmark = pytest.mark.slow
PHOTO_RULE = [{"type": "essay", "count": 1, "score": 20}]


class EventStream:
    """An SSE client as a browser's EventSource reads it, on a raw socket (HTTP/1.0, so no
    chunking) so that closing it is immediate; parsed events land in a queue."""

    def __init__(self, url: str, headers: dict) -> None:
        parts = urlsplit(url)
        self.events: queue.Queue = queue.Queue()
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        lines = [f"GET {parts.path} HTTP/1.0", f"Host: {parts.netloc}", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.reader = self.sock.makefile("rb")
        status = self.reader.readline().decode()
        assert " 200 " in status, status
        head = {}
        while line := self.reader.readline().decode().strip():
            name, _, value = line.partition(":")
            head[name.lower()] = value.strip()
        assert head["content-type"].startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event: dict = {}
        try:
            for raw in self.reader:
                line = raw.decode().rstrip("\r\n")
                if line == "":
                    if "event" in event:
                        self.events.put(event)
                    event = {}
                elif not line.startswith(":") and ":" in line:
                    name, _, value = line.partition(":")
                    event[name] = value.lstrip(" ")
        except (OSError, ValueError):
            pass  # closed by the test

    def next(self, timeout: float = 30.0) -> dict:
        event = self.events.get(timeout=timeout)
        return {"id": event["id"], "type": event["event"], "data": json.loads(event["data"])}

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def test_desktop_sees_the_phone_photo_live(service_urls, factory, app):
    with FakeWeChatServer(FakeWeChat(pages={"pages/scan/entry/index"})) as wechat:
        settings = make_settings(
            service_urls, WECHAT_APPID=APPID, WECHAT_SECRET=SECRET, WECHAT_API_BASE=wechat.base_url
        )
        env = service_env(
            settings, WECHAT_APPID=APPID, WECHAT_SECRET=SECRET, WECHAT_API_BASE=wechat.base_url
        )
        school = factory.school()
        student = factory.student(school)
        exam = factory.exam(school, students=[student])
        factory.questions(exam, SAMPLE_BANK)
        factory.paper_rule(exam, PHOTO_RULE)

        port = free_port()
        root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
        base_url = f"http://127.0.0.1:{port}"
        env["PUBLIC_BASE_URL"] = base_url
        api = subprocess.Popen(
            list(API_COMMAND),
            cwd=root,
            env={**env, "PORT": str(port), "WEB_CONCURRENCY": "2"},
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "workers.worker", "--media"], cwd=root, env=env
        )
        stream = None
        try:
            wait_for_port(port, timeout=60, process=api)
            base = f"{base_url}/api/v1"
            desktop = requests.Session()
            token = desktop.post(
                f"{base}/auth/login",
                json={
                    "username": student.student_no,
                    "password": default_password(student.id_number),
                },
                timeout=10,
            ).json()
            desktop.headers["Authorization"] = f"Bearer {token['access_token']}"
            attempt_id = desktop.post(f"{base}/exams/{exam.id}/attempts", timeout=10).json()[
                "attempt_id"
            ]
            stream = EventStream(f"{base}/attempts/{attempt_id}/events", dict(desktop.headers))

            code = desktop.post(
                f"{base}/attempts/{attempt_id}/questions/1/qrcode",
                json={"purpose": "answer_photo"},
                timeout=10,
            ).json()
            assert code["url"] == f"{base_url}/m/{code['scene']}"

            phone = requests.Session()
            phone_token = phone.post(
                f"{base}/auth/wechat", json={"code": "ok-openid-1"}, timeout=10
            ).json()
            phone.headers["Authorization"] = f"Bearer {phone_token['access_token']}"
            pairing = phone.post(
                f"{base}/pairings", json={"scene": code["scene"]}, timeout=10
            ).json()
            assert stream.next()["type"] == "paired"

            twelve_mp = camera_jpeg(4000, 3000, orientation=6)
            uploaded = phone.post(
                f"{base}/pairings/{pairing['pairing_id']}/photos",
                files={"file": ("IMG_0001.jpg", twelve_mp, "image/jpeg")},
                data={"upload_id": "first"},
                timeout=30,
            )
            assert uploaded.status_code == 202, uploaded.text
            assert stream.next()["type"] == "upload_received"
            ready = stream.next()
            assert ready["type"] == "photo_ready" and ready["data"]["n"] == 1
            photo = Image.open(io.BytesIO(requests.get(ready["data"]["url"], timeout=10).content))
            assert photo.size == (1200, 1600) and not photo.getexif().get_ifd(GPS_IFD)

            # A second phone, a replayed scene and an expired scene are all refused.
            intruder = requests.Session()
            intruder_token = intruder.post(
                f"{base}/auth/wechat", json={"code": "ok-openid-2"}, timeout=10
            ).json()
            intruder.headers["Authorization"] = f"Bearer {intruder_token['access_token']}"
            replay = intruder.post(f"{base}/pairings", json={"scene": code["scene"]}, timeout=10)
            assert replay.status_code == 409 and replay.json()["code"] == "PAIRING_USED"
            fresh = desktop.post(
                f"{base}/attempts/{attempt_id}/questions/1/qrcode",
                json={"purpose": "second_camera"},
                timeout=10,
            ).json()
            with app.app_context():
                from server.app_services import EXTENSION_KEY

                session = app.extensions[EXTENSION_KEY].sessions()
                session.query(Pairing).filter_by(
                    scene=fresh["scene"]
                ).one().expires_at -= timedelta(minutes=10)
                session.commit()
            expired = intruder.post(f"{base}/pairings", json={"scene": fresh["scene"]}, timeout=10)
            assert expired.status_code == 410 and expired.json()["code"] == "PAIRING_EXPIRED"

            # The desktop drops off; what happens meanwhile is replayed after Last-Event-ID.
            stream.close()
            missed = phone.post(
                f"{base}/pairings/{pairing['pairing_id']}/photos",
                files={"file": ("IMG_0002.jpg", camera_jpeg(1600, 1200), "image/jpeg")},
                data={"upload_id": "second"},
                timeout=30,
            )
            assert missed.status_code == 202
            stream = EventStream(
                f"{base}/attempts/{attempt_id}/events",
                {**desktop.headers, "Last-Event-ID": ready["id"]},
            )
            replayed = [stream.next(), stream.next()]
            assert [event["type"] for event in replayed] == ["upload_received", "photo_ready"]
            assert replayed[1]["data"]["photo_id"] == missed.json()["id"]
        finally:
            if stream is not None:
                stream.close()
            stop_process(worker)
            stop_process(api)
