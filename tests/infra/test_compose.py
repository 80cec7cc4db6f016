"""infra/compose.yaml and infra/Dockerfile describe a production the application can run in."""

from __future__ import annotations

import re
import runpy
import shlex
from pathlib import Path

import pytest
import yaml

from server.config import Settings

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
COMPOSE = INFRA / "compose.yaml"
DOCKERFILE = INFRA / "Dockerfile"
GUNICORN_CONF = INFRA / "gunicorn.conf.py"

APP_SERVICES = ("api", "worker", "media-worker", "scheduler", "sweeper")
API_COMMAND = ["gunicorn", "-c", "infra/gunicorn.conf.py", "server.app:create_app()"]

# Environment variables the app services may set although server.config.Settings has no field
# for them. Keep this short; move a name out once Settings reads it.
NOT_IN_SETTINGS = {
    # Read by infra/gunicorn.conf.py, not by the application.
    "HOST",
    "WEB_CONCURRENCY",
    "FORWARDED_ALLOW_IPS",
    # Object storage for uploads and exports: the storage feature adds these settings.
    "STORAGE_BACKEND",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    # WeChat mini-program login: the WeChat feature adds these settings.
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_API_BASE",
}
GUNICORN_ONLY = {"HOST", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"}

# Settings whose defaults only suit a laptop: production must set them explicitly.
REQUIRED_IN_PRODUCTION = ("EXAM_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL")

SECRET_NAME = re.compile(r"SECRET|PASSWORD|KEY")
# `${VAR:?message}`: compose refuses to start without VAR; no default that could leak.
MANDATORY_REFERENCE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$")
REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::?([-?])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _command(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def _volume(volume: str) -> tuple[str, str]:
    """(source, target) of a short-syntax volume; the source may hold `${VAR:-default}`."""
    volume = re.sub(r":(ro|rw)$", "", volume)
    source, target = volume.rsplit(":", 1)
    return source, target


def _interpolate(value: str, supplied: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, with `supplied` as the
    environment."""

    def substitute(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if name in supplied:
            return supplied[name]
        if kind == "-":
            return rest
        raise AssertionError(f"${{{name}}} has no default and was not supplied")

    return REFERENCE.sub(substitute, value)


def test_all_production_services_are_described(services):
    assert set(services) >= {"api", "worker", "scheduler", "postgres", "redis", "s3", "nginx"}


def test_api_runs_gunicorn_with_gevent_workers(services):
    api = services["api"]
    assert _command(api) == API_COMMAND
    assert _environment(api)["HOST"] == "0.0.0.0"
    assert runpy.run_path(str(GUNICORN_CONF))["worker_class"] == "gevent"


def test_exactly_one_scheduler_and_scalable_workers(services):
    scheduler, worker = services["scheduler"], services["worker"]
    assert _command(scheduler)[:3] == ["python", "-m", "workers.worker"]
    assert "--with-scheduler" in _command(scheduler)
    assert scheduler.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in scheduler
    # Workers can be scaled (--scale worker=N); only the scheduler schedules.
    assert _command(worker) == ["python", "-m", "workers.worker"]
    assert "container_name" not in worker


def test_media_workers_serve_the_photo_and_face_queue(services):
    assert _command(services["media-worker"]) == ["python", "-m", "workers.worker", "--media"]


def test_exactly_one_sweeper_runs_the_periodic_sweep(services):
    sweeper = services["sweeper"]
    assert _command(sweeper) == ["python", "-m", "workers.cron"]
    assert sweeper.get("deploy", {}).get("replicas", 1) == 1


def test_app_services_share_one_image_and_environment(compose, services):
    assert re.search(r"^x-app-env:\s*&app-env\b", COMPOSE.read_text(), flags=re.M)
    shared = compose["x-app-env"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "infra/Dockerfile"}, name
        assert (
            COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]
        ).is_file()
        env = _environment(service)
        assert {k: v for k, v in env.items() if k in shared} == {
            k: str(v) for k, v in shared.items()
        }, name
        depends = service["depends_on"]
        for store in ("postgres", "redis"):
            assert depends[store]["condition"] == "service_healthy", (name, store)
    assert len({services[name]["image"] for name in APP_SERVICES}) == 1


def test_app_environment_names_are_settings_or_listed(services):
    known = set(Settings.model_fields) | NOT_IN_SETTINGS
    for name in APP_SERVICES:
        unknown = set(_environment(services[name])) - known
        assert not unknown, f"{name} sets {sorted(unknown)}: not in Settings nor in NOT_IN_SETTINGS"
    gunicorn_conf = GUNICORN_CONF.read_text()
    for variable in GUNICORN_ONLY:
        assert re.search(rf"""["']{variable}["']""", gunicorn_conf), (
            f"gunicorn.conf.py does not read {variable}"
        )


def test_settings_without_production_defaults_are_set(services):
    for name in APP_SERVICES:
        env = _environment(services[name])
        missing = [setting for setting in REQUIRED_IN_PRODUCTION if setting not in env]
        assert not missing, f"{name} does not set {missing}"
        assert env["EXAM_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["DATABASE_URL"].endswith("@postgres:5432/examcloud")
        assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_production_environment_passes_settings_validation(services):
    """With the secrets supplied, Settings accepts what compose hands the app (fails fast
    otherwise)."""
    env = _environment(services["api"])
    names = {match.group(1) for match in REFERENCE.finditer(" ".join(env.values()))}
    supplied = {name: f"supplied-{name.lower()}-{'x' * 32}" for name in names}
    resolved = {name: _interpolate(value, supplied) for name, value in env.items()}
    settings = Settings(
        **{name: value for name, value in resolved.items() if name in Settings.model_fields}
    )
    assert settings.EXAM_ENV == "production"
    assert not settings.is_sqlite


def test_no_literal_secrets(compose, services):
    environments = {"x-app-env": {k: str(v) for k, v in compose["x-app-env"].items()}}
    environments.update({name: _environment(service) for name, service in services.items()})
    for owner, env in environments.items():
        for key, value in env.items():
            if SECRET_NAME.search(key):
                assert MANDATORY_REFERENCE.match(value), (
                    f"{owner}.{key} must be `${{VAR:?...}}`, not {value!r}"
                )
    # The database password inside DATABASE_URL is a reference too, the same one postgres gets.
    database_url = compose["x-app-env"]["DATABASE_URL"]
    assert re.fullmatch(
        r"postgresql\+psycopg://examcloud:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432/examcloud",
        database_url,
    ), database_url
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )


def test_stores_keep_their_data(compose, services):
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "healthcheck" in services["postgres"]
    assert services["redis"]["image"].startswith("redis:7")
    assert "healthcheck" in services["redis"]
    assert "--appendonly" in _command(services["redis"])
    for name, target in (
        ("postgres", "/var/lib/postgresql/data"),
        ("redis", "/data"),
        ("s3", "/data"),
    ):
        volumes = [_volume(volume) for volume in services[name]["volumes"]]
        assert any(v[0] in compose["volumes"] and v[1] == target for v in volumes), name
    # The app talks to the object store where the environment says.
    assert compose["x-app-env"]["S3_ENDPOINT_URL"] == "http://s3:8333"
    assert "-s3.port=8333" in " ".join(_command(services["s3"]))


def test_nginx_fronts_the_api(compose, services):
    nginx = services["nginx"]
    assert nginx["image"].startswith("nginx:1.25")
    assert {str(port) for port in nginx["ports"]} == {"80:80", "443:443"}
    mounts = {target: source for source, target in map(_volume, nginx["volumes"])}
    assert (
        COMPOSE.parent / mounts["/etc/nginx/nginx.conf"]
    ).resolve() == INFRA / "nginx" / "examcloud.conf"
    assert "/etc/nginx/certs" in mounts
    # Certificates (private keys) never live in the repository, whose infra/ goes into the image.
    assert not _interpolate(mounts["/etc/nginx/certs"], {}).startswith(".")
    # gunicorn trusts forwarded headers from exactly the network nginx reaches the api on.
    shared_networks = set(nginx["networks"]) & set(services["api"]["networks"])
    assert shared_networks, "nginx and api share no network"
    subnets = {
        _interpolate(config["subnet"], {})
        for network in shared_networks
        for config in compose["networks"][network]["ipam"]["config"]
    }
    assert {_interpolate(compose["x-app-env"]["FORWARDED_ALLOW_IPS"], {})} == subnets
    assert "ports" not in services["api"], "the api is reached through nginx only"


def test_presigned_links_are_signed_for_the_public_address_nginx_serves(compose, services):
    """Clients cannot resolve the store's internal name (S3_ENDPOINT_URL, http://s3:8333): the
    links the app hands out are signed for S3_PUBLIC_ENDPOINT_URL, the public base URL, whose
    /<bucket>/ nginx passes to that same store; nginx reaches the store, the api only on edge."""
    from urllib.parse import urlsplit

    from server.adapters.storage import make_storage

    shared = compose["x-app-env"]
    assert shared["S3_PUBLIC_ENDPOINT_URL"].startswith("${PUBLIC_BASE_URL:?")
    text = " ".join(map(str, shared.values()))
    required = {match.group(1) for match in REFERENCE.finditer(text) if match.group(2) == "?"}
    supplied = {name: f"supplied-{name.lower()}-{'x' * 32}" for name in required}
    supplied["PUBLIC_BASE_URL"] = "https://exam.example.edu.cn"
    resolved = {name: _interpolate(str(value), supplied) for name, value in shared.items()}
    settings = Settings(
        **{name: value for name, value in resolved.items() if name in Settings.model_fields}
    )
    link = urlsplit(make_storage(settings).url("photos/1/abc.jpg", 60))
    assert f"{link.scheme}://{link.netloc}" == supplied["PUBLIC_BASE_URL"]
    assert (
        link.path == f"/{settings.S3_BUCKET}/photos/1/abc.jpg" and "X-Amz-Signature" in link.query
    )
    nginx_conf = (INFRA / "nginx" / "examcloud.conf").read_text()
    store = urlsplit(settings.S3_ENDPOINT_URL).netloc
    assert re.search(rf"^\s*location\s+\^~\s+/{settings.S3_BUCKET}/\s*\{{", nginx_conf, flags=re.M)
    assert re.search(rf"^\s*server\s+{re.escape(store)}\s*;", nginx_conf, flags=re.M)
    nginx, api, s3 = (set(services[name]["networks"]) for name in ("nginx", "api", "s3"))
    assert nginx & s3 and nginx & api == {"edge"}


def test_dockerfile_builds_the_api_image():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", text, flags=re.M)
    assert re.search(r"\bpip install \.(\s|$)", text)
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    [cmd] = re.findall(r"^CMD\s+(\[.*\])\s*$", text, flags=re.M)
    assert yaml.safe_load(cmd) == API_COMMAND
