"""gunicorn settings for the API: gevent workers (event streams, cheap autosave under bursts)."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
# Each desktop holds an event stream open for the whole exam, besides its requests: one gevent
# worker holds 5,000 idle streams in ~115 MB (bench/idle_streams.py). Raise `ulimit -n` to match.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "6000"))
timeout = 60
graceful_timeout = 20
# Desktop clients save every few seconds: keep their connections rather than reconnecting.
keepalive = 75
# Several gunicorns may run on one machine (tests, benchmarks).
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Apply migrations once, before any worker serves a request.

    In a child process: importing psycopg in the master, before gevent patches the workers,
    would leave every worker with psycopg's blocking wait and serialise all database I/O.
    """
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "server.database_setup"], check=True)


def post_worker_init(worker):
    """Ready before the first request: no exam-start burst should pay for warm-up."""
    import gc

    from server.app_services import EXTENSION_KEY

    services = worker.wsgi.extensions[EXTENSION_KEY]
    if not services.settings.is_sqlite:
        # Open the autosave pool's connections now rather than during the first burst.
        connections = [
            services.autocommit_engine.connect() for _ in range(services.settings.DB_POOL_SIZE)
        ]
        for connection in connections:
            connection.close()
    # Objects made at start-up live forever: keep them out of every later GC pass.
    gc.freeze()
