"""The smallest WSGI app around server.adapters.events, for bench/idle_streams.py.

    gunicorn -k gevent -w 1 'bench.sse_app:create_app()'    (REDIS_URL, SSE_KEEPALIVE)

GET /events/<attempt_id>  the attempt's event stream (Last-Event-ID honoured)
GET /stats                this worker's pid, local subscribers and hub state, as JSON

No Flask, no database: what is measured is the event plumbing itself. Built by the factory,
so nothing connects at import.
"""

from __future__ import annotations

import json
import os

from server.adapters.event_hub import EventHub, sse_stream
from server.adapters.events import EventLog, make_event_redis


def create_app(redis_url: str | None = None, keepalive: float | None = None):
    client = make_event_redis(redis_url or os.environ["REDIS_URL"])
    log, hub = EventLog(client), EventHub(client)
    keepalive = keepalive or float(os.environ.get("SSE_KEEPALIVE", "15"))

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/events/") and path.rsplit("/", 1)[1].isdigit():
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/event-stream"),
                    ("Cache-Control", "no-cache"),
                    ("X-Accel-Buffering", "no"),
                ],
            )
            return sse_stream(
                log,
                hub,
                int(path.rsplit("/", 1)[1]),
                environ.get("HTTP_LAST_EVENT_ID"),
                keepalive=keepalive,
            )
        if path == "/stats":
            body = json.dumps(
                {
                    "pid": os.getpid(),
                    "subscribers": hub.subscriber_count(),
                    "hub_connected": hub.connected,
                    "hub_connections": hub.connections_opened,
                }
            ).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    return app
