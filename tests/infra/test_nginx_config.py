"""infra/nginx/examcloud.conf: nginx accepts it, and it serves a complete certificate chain.

A throwaway PKI (root CA -> intermediate CA -> leaf for exam.example.edu.cn) is made with
openssl. The committed configuration is copied into a temporary directory with every absolute
file path moved under it and the upstream pointed at an address that needs no DNS; nothing else
changes, so what passes here is what production loads.

Needs the `nginx` and `openssl` binaries (Debian: `apt-get install nginx-light`); without them
the tests fail, they do not skip.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from server.config import Settings

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "infra" / "nginx" / "examcloud.conf"
HOSTNAME = "exam.example.edu.cn"
UPSTREAM = "api:8000"
STORAGE_UPSTREAM = "s3:8333"  # compose's object store (S3_ENDPOINT_URL)
ZIP_PATH = "/api/v1/students/base-photos"

# Directives whose first argument is a file or directory path.
PATH_DIRECTIVES = (
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_trusted_certificate",
    "ssl_dhparam",
    "ssl_password_file",
    "pid",
    "error_log",
    "access_log",
    "include",
    "client_body_temp_path",
    "proxy_temp_path",
)

OPENSSL_CNF = f"""\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:{HOSTNAME}
authorityInfoAccess = OCSP;URI:http://ocsp.example.edu.cn/
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def _binary(name: str, fallback: str) -> str:
    path = shutil.which(name) or fallback
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"`{name}` is not installed; the infra tests need it "
            f"(Debian: apt-get install -y nginx-light openssl)",
            pytrace=False,
        )
    return path


def _run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"{result.stdout}{result.stderr}",
            pytrace=False,
        )
    return result


def _uncommented(text: str) -> str:
    return re.sub(r"#[^\n]*", "", text)


def _directive_values(text: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", _uncommented(text), flags=re.M)


def _block(text: str, header_pattern: str) -> str:
    """The body of the first `header { ... }` block (no nested blocks expected inside)."""
    match = re.search(header_pattern + r"\s*\{([^{}]*)\}", _uncommented(text))
    assert match, f"no block matching {header_pattern!r}"
    return match.group(1)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    openssl = _binary("openssl", "/usr/bin/openssl")
    d = tmp_path_factory.mktemp("pki")
    cnf = d / "openssl.cnf"
    cnf.write_text(OPENSSL_CNF)
    newkey = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")

    _run(
        openssl,
        "req",
        "-config",
        cnf,
        "-x509",
        *newkey,
        "-keyout",
        d / "root.key",
        "-out",
        d / "root.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Exam Cloud Test Root CA",
        "-extensions",
        "v3_root",
    )

    def issue(name: str, subject: str, ca: str, extensions: str) -> None:
        _run(
            openssl,
            "req",
            "-config",
            cnf,
            "-new",
            *newkey,
            "-keyout",
            d / f"{name}.key",
            "-out",
            d / f"{name}.csr",
            "-subj",
            subject,
        )
        _run(
            openssl,
            "x509",
            "-req",
            "-in",
            d / f"{name}.csr",
            "-CA",
            d / f"{ca}.pem",
            "-CAkey",
            d / f"{ca}.key",
            "-set_serial",
            str(secrets.randbits(63)),
            "-days",
            "2",
            "-extfile",
            cnf,
            "-extensions",
            extensions,
            "-out",
            d / f"{name}.pem",
        )

    issue("intermediate", "/CN=Exam Cloud Test Intermediate CA", "root", "v3_intermediate")
    issue("leaf", f"/CN={HOSTNAME}", "intermediate", "v3_leaf")

    root, intermediate, leaf = (
        (d / f"{n}.pem").read_text() for n in ("root", "intermediate", "leaf")
    )
    # What a CA delivers and production installs: leaf first, then the intermediate(s).
    (d / "fullchain.pem").write_text(leaf + intermediate)
    # Issuers for verifying OCSP responses (ssl_trusted_certificate).
    (d / "chain.pem").write_text(intermediate + root)
    return {
        "openssl": Path(openssl),
        "dir": d,
        **{n: d / f"{n}.pem" for n in ("root", "leaf", "fullchain", "chain")},
        "privkey": d / "leaf.key",
    }


def _localize(
    pki: dict[str, Path],
    root: Path,
    listen: dict[int, int] | None = None,
    storage: str = "127.0.0.1:9",
) -> Path:
    """Copy the production config under `root`; returns the config file to hand to nginx.
    `storage`: where the object store's upstream points instead of compose's s3 service."""
    text = CONF.read_text()
    # Certificate directives -> the throwaway PKI, placed where the config expects it.
    files_for = {
        "ssl_certificate": "fullchain",
        "ssl_certificate_key": "privkey",
        "ssl_trusted_certificate": "chain",
    }

    def relocate(match: re.Match) -> str:
        directive, path = match.group(2), match.group(3)
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if directive in files_for:
            shutil.copyfile(pki[files_for[directive]], target)
        return f"{match.group(1)}{target}"

    text = re.sub(rf"^(\s*({'|'.join(PATH_DIRECTIVES)})\s+)(/[^\s;]+)", relocate, text, flags=re.M)

    # `include mime.types;` is relative to the config's folder, as in /etc/nginx of the image.
    for relative in re.findall(r"^\s*include\s+([^/\s;][^\s;]*);", text, flags=re.M):
        source = Path("/etc/nginx") / relative
        target = root / relative
        if source.exists():
            shutil.copyfile(source, target)
        else:
            target.write_text("types {\n    text/html html;\n    application/json json;\n}\n")

    # Keep nginx's scratch directories inside the sandbox too.
    (root / "temp").mkdir(exist_ok=True)
    extra = "".join(
        f"    {directive} {root / 'temp' / name};\n"
        for directive, name in (("client_body_temp_path", "body"), ("proxy_temp_path", "proxy"))
        if not _directive_values(text, directive)
    )
    text = re.sub(r"^http\s*\{\n", lambda m: m.group(0) + extra, text, count=1, flags=re.M)

    # The compose service name does not resolve here; nginx resolves upstreams at load time.
    assert re.search(rf"^\s*server\s+{re.escape(UPSTREAM)}\b", text, flags=re.M)
    text = re.sub(rf"^(\s*server\s+){re.escape(UPSTREAM)}\b", r"\g<1>127.0.0.1:9", text, flags=re.M)
    assert re.search(rf"^\s*server\s+{re.escape(STORAGE_UPSTREAM)}\b", text, flags=re.M)
    text = re.sub(
        rf"^(\s*server\s+){re.escape(STORAGE_UPSTREAM)}\b", rf"\g<1>{storage}", text, flags=re.M
    )

    for production_port, port in (listen or {}).items():
        text, count = re.subn(
            rf"^(\s*listen\s+){production_port}\b", rf"\g<1>127.0.0.1:{port}", text, flags=re.M
        )
        assert count, f"no `listen {production_port}` in {CONF.name}"

    conf = root / "nginx.conf"
    conf.write_text(text)
    return conf


def test_nginx_accepts_the_production_config(pki, tmp_path):
    nginx = _binary("nginx", "/usr/sbin/nginx")
    conf = _localize(pki, tmp_path)

    result = _run(nginx, "-t", "-p", f"{tmp_path}/", "-c", conf, "-e", "stderr", check=False)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "syntax is ok" in output, output
    assert "test is successful" in output, output
    assert "[emerg]" not in output, output


def test_ssl_certificate_is_the_full_chain():
    """FAQ 5: serving the bare leaf makes clients fail with "unable to verify the first
    certificate"."""
    text = CONF.read_text()
    [certificate] = _directive_values(text, "ssl_certificate")
    [key] = _directive_values(text, "ssl_certificate_key")
    [trusted] = _directive_values(text, "ssl_trusted_certificate")
    assert "fullchain" in Path(certificate).name, certificate
    assert "fullchain" not in Path(key).name and "fullchain" not in Path(trusted).name
    # Resolvable in the container: the compose file mounts the certificate folder there.
    assert certificate.startswith("/etc/nginx/certs/"), certificate
    assert _directive_values(text, "ssl_stapling") == ["on"]
    assert _directive_values(text, "ssl_stapling_verify") == ["on"]


def test_full_chain_verifies_and_bare_leaf_does_not(pki):
    openssl = pki["openssl"]
    verified = _run(
        openssl, "verify", "-CAfile", pki["root"], "-untrusted", pki["fullchain"], pki["leaf"]
    )
    assert f"{pki['leaf']}: OK" in verified.stdout

    # The failure the FAQ describes: the root alone cannot reach the leaf.
    bare = _run(openssl, "verify", "-CAfile", pki["root"], pki["leaf"], check=False)
    assert bare.returncode != 0
    assert "unable to get local issuer certificate" in bare.stdout + bare.stderr


def test_tls_protocols_hsts_upload_limit_and_event_streams():
    text = CONF.read_text()
    server = _uncommented(text)
    assert _directive_values(text, "ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    assert re.search(r'add_header\s+Strict-Transport-Security\s+"max-age=\d{8,}', server)
    # 25 MB uploads (MAX_UPLOAD_BYTES) plus multipart overhead, everywhere but the zip import.
    assert _directive_values(text, "client_max_body_size")[0] == "30m"
    assert "application/json" in _directive_values(text, "gzip_types")[0]
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert re.search(rf"proxy_set_header\s+{header}\s", server), header

    match = re.search(r"location\s+~\s+(\S+)\s*\{([^{}]*)\}", server)
    assert match, "no regex location for the event streams"
    pattern, body = match.groups()
    assert re.fullmatch(pattern.replace("$", r"\Z"), "/api/v1/attempts/42/events")
    assert not re.fullmatch(pattern.replace("$", r"\Z"), "/api/v1/attempts/42/answers")
    assert re.search(r"proxy_buffering\s+off;", body)
    assert re.search(r"proxy_read_timeout\s+3600s;", body)


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def _block_with_nested(text: str, header_pattern: str) -> str:
    """The body of the first `header { ... }` block, nested blocks included."""
    text = _uncommented(text)
    match = re.search(header_pattern + r"\s*\{", text)
    assert match, f"no block matching {header_pattern!r}"
    depth, at = 1, match.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        at += 1
    return text[match.end() : at - 1]


def test_only_the_zip_import_takes_a_body_as_large_as_the_zip_limit():
    """BASE_PHOTO_ZIP_MAX_BYTES (512 MB) fits through nginx on that one path; every other body
    stops at the small default (MAX_UPLOAD_BYTES plus overhead)."""
    text = CONF.read_text()
    settings = Settings()
    default, *others = _directive_values(text, "client_max_body_size")
    zip_location = _block(text, rf"location\s+=\s+{re.escape(ZIP_PATH)}")
    [zip_size] = _directive_values(zip_location, "client_max_body_size")
    assert others == [zip_size], "client_max_body_size raised somewhere else"
    assert settings.MAX_UPLOAD_BYTES < _bytes(default) < settings.BASE_PHOTO_ZIP_MAX_BYTES
    zip_limit = settings.BASE_PHOTO_ZIP_MAX_BYTES
    assert zip_limit < _bytes(zip_size) <= zip_limit + 16 * 1024 * 1024, zip_size
    assert _directive_values(zip_location, "proxy_request_buffering") == ["off"]
    assert _directive_values(zip_location, "proxy_pass") == ["http://examcloud_api"]


def test_the_store_is_served_for_presigned_downloads_only():
    """S3_PUBLIC_ENDPOINT_URL is this host: /<bucket>/ goes to the store, GET only, with the
    Host header the link was signed for and nothing it serves running as this origin."""
    text = CONF.read_text()
    upstream = _block(text, r"upstream\s+examcloud_storage")
    assert _directive_values(upstream, "server")[0].split()[0] == STORAGE_UPSTREAM
    location = _block_with_nested(text, r"location\s+\^~\s+/examcloud/")
    assert re.search(r"limit_except\s+GET\s*\{\s*deny\s+all;\s*\}", location)
    assert _directive_values(location, "proxy_pass") == ["http://examcloud_storage"]
    assert "Host $http_host" in _directive_values(location, "proxy_set_header")
    for header in (
        r'Strict-Transport-Security\s+"max-age=\d{8,}',
        r"X-Content-Type-Options\s+nosniff",
        r"Content-Security-Policy\s+\"default-src 'none'; sandbox\"",
    ):
        assert re.search(rf"add_header\s+{header}", location), header


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(sock: socket.socket, request: str) -> tuple[int, dict[str, str]]:
    sock.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return int(head[0].split()[1]), {k.lower(): v for k, v in headers.items()}


def test_running_nginx_serves_a_chain_clients_verify(pki, tmp_path):
    """A client that trusts only the root (like the mini-program) completes the handshake."""
    nginx = _binary("nginx", "/usr/sbin/nginx")
    http_port, https_port = _free_port(), _free_port()
    conf = _localize(pki, tmp_path, listen={80: http_port, 443: https_port})
    process = subprocess.Popen(
        [nginx, "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"nginx did not start:\n{process.communicate(timeout=5)[0]}", pytrace=False
                    )
                time.sleep(0.05)

        context = ssl.create_default_context(cafile=str(pki["root"]))
        with (
            socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=HOSTNAME) as tls,
        ):
            assert tls.version() in {"TLSv1.2", "TLSv1.3"}
            status, headers = _http(
                tls, f"GET /healthz HTTP/1.1\r\nHost: {HOSTNAME}\r\nConnection: close\r\n\r\n"
            )
        assert status == 502  # no API behind it here; the TLS side is what is under test
        assert headers["strict-transport-security"].startswith("max-age=")

        with (
            socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=HOSTNAME) as tls,
        ):
            status, _ = _http(
                tls,
                f"POST /api/v1/imports HTTP/1.1\r\nHost: {HOSTNAME}\r\n"
                f"Content-Length: {31 * 1024 * 1024}\r\nConnection: close\r\n\r\n",
            )
        assert status == 413

        # The zip import alone takes a body of hundreds of MB: passed on at once (502: no API
        # here), refused past the zip limit (413) before a byte of it is read.
        for megabytes, expected in ((100, 502), (600, 413)):
            with (
                socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw,
                context.wrap_socket(raw, server_hostname=HOSTNAME) as tls,
            ):
                status, _ = _http(
                    tls,
                    f"POST {ZIP_PATH} HTTP/1.1\r\nHost: {HOSTNAME}\r\n"
                    f"Content-Type: multipart/form-data; boundary=x\r\n"
                    f"Content-Length: {megabytes * 1024 * 1024}\r\nConnection: close\r\n\r\n",
                )
            assert status == expected, megabytes

        with socket.create_connection(("127.0.0.1", http_port), timeout=5) as plain:
            status, headers = _http(
                plain,
                f"GET /api/v1/time?x=1 HTTP/1.1\r\nHost: {HOSTNAME}\r\nConnection: close\r\n\r\n",
            )
        assert status == 301
        assert headers["location"] == f"https://{HOSTNAME}/api/v1/time?x=1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_presigned_link_downloads_through_nginx_from_the_store(pki, tmp_path, s3_service):
    """What compose sets up: the app reaches the store on its internal address, signs links for
    the public one (S3_PUBLIC_ENDPOINT_URL, this host), and nginx hands /<bucket>/ to the store
    (here the test's SeaweedFS). A client that trusts only the root downloads the photo."""
    from urllib.parse import urlsplit

    from server.adapters.storage import S3Storage

    nginx = _binary("nginx", "/usr/sbin/nginx")
    http_port, https_port = _free_port(), _free_port()
    store = urlsplit(s3_service["endpoint_url"]).netloc
    conf = _localize(pki, tmp_path, listen={80: http_port, 443: https_port}, storage=store)
    public = f"https://{HOSTNAME}:{https_port}"
    storage = S3Storage(
        "examcloud",  # the bucket the /examcloud/ location serves (compose's S3_BUCKET)
        endpoint_url=s3_service["endpoint_url"],
        public_endpoint_url=public,
        access_key_id=s3_service["access_key_id"],
        secret_access_key=s3_service["secret_access_key"],
    )
    photo = secrets.token_bytes(2048)
    storage.put("photos/presign-test.jpg", photo, "image/jpeg")
    link = urlsplit(storage.url("photos/presign-test.jpg", 60))
    assert f"{link.scheme}://{link.netloc}" == public
    process = subprocess.Popen(
        [nginx, "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"nginx did not start:\n{process.communicate(timeout=5)[0]}", pytrace=False
                    )
                time.sleep(0.05)
        context = ssl.create_default_context(cafile=str(pki["root"]))

        def fetch(method: str, target: str) -> tuple[int, dict[str, str], bytes]:
            with (
                socket.create_connection(("127.0.0.1", https_port), timeout=5) as raw,
                context.wrap_socket(raw, server_hostname=HOSTNAME) as tls,
            ):
                tls.sendall(
                    f"{method} {target} HTTP/1.1\r\nHost: {link.netloc}\r\n"
                    f"Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
                )
                data = b""
                while chunk := tls.recv(65536):
                    data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body

        status, headers, body = fetch("GET", f"{link.path}?{link.query}")
        assert status == 200, body[:500]
        assert body == photo
        assert headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in headers["content-security-policy"]
        # Without the signature, or with anything but a download, the store is closed.
        assert fetch("GET", link.path)[0] == 403
        assert fetch("PUT", f"{link.path}?{link.query}")[0] == 403
        assert fetch("DELETE", f"{link.path}?{link.query}")[0] == 403
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        storage.delete("photos/presign-test.jpg")
