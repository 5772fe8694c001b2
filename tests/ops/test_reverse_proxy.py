"""deploy/nginx.conf run in a real nginx in front of the portal, and deploy/Caddyfile checked by
Caddy: TLS, the http -> https redirect, the forwarded scheme honoured, a visitor's forged
X-Forwarded-For replaced (Debian's nginx-light and caddy packages)."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import ROOT
from tests.helpers import missing

DEPLOY = ROOT / "deploy"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _site(tmp: Path, upstream: int, http_port: int, https_port: int) -> str:
    """deploy/nginx.conf with this machine's ports and paths; everything else as shipped."""
    site = (DEPLOY / "nginx.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/ia.ville.example/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/ia.ville.example/privkey.pem": str(tmp / "key.pem"),
        "/srv/portal/app/portal/web/static/": str(ROOT / "portal" / "web" / "static") + "/",
        "/var/www/certbot": str(tmp),
        "server_name ia.ville.example;": "server_name 127.0.0.1;",
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    return site


@pytest.fixture
def nginx(live_server: str, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """nginx on two free ports in front of the live portal; yields (http port, https port)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        missing("the reverse-proxy test needs nginx (apt-get install nginx-light)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    upstream = int(live_server.rsplit(":", 1)[1])
    http_port, https_port = _free_port(), _free_port()
    (tmp_path / "site.conf").write_text(_site(tmp_path, upstream, http_port, https_port))
    (tmp_path / "nginx.conf").write_text(
        f"user root; worker_processes 1; daemon off; pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log warn;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/body; "
        f"proxy_temp_path {tmp_path}/proxy; fastcgi_temp_path {tmp_path}/fcgi; "
        f"uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n"
        f"include {tmp_path}/site.conf; }}\n"
    )
    command = [binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", https_port), timeout=0.5):
                    break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield http_port, https_port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _https(port: int) -> httpx.Client:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=context, timeout=30)


def _login_failure(client: httpx.Client, n: int) -> int:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"email": f"personne{n}@exemple.fr", "password": "pas le bon", "csrf_token": token},
        headers={"Origin": "https://127.0.0.1", "X-Forwarded-For": f"198.51.100.{n}",
                 "X-Forwarded-Proto": "http"},
    )  # fmt: skip
    return response.status_code


def test_nginx_in_front_of_the_portal(nginx: tuple[int, int]) -> None:
    """Plain http is redirected to https; pages and static files come over TLS; the portal sees
    the https scheme (a form posted from the https origin passes the origin check), and a
    visitor's forged X-Forwarded-For and -Proto are replaced, so the 11th failed login from
    this visitor is refused however many addresses it claims."""
    http_port, https_port = nginx
    plain = httpx.get(f"http://127.0.0.1:{http_port}/charter?x=1", follow_redirects=False)
    assert plain.status_code == 308
    assert plain.headers["location"] == "https://127.0.0.1/charter?x=1"
    with _https(https_port) as client:
        assert client.get("/registry").status_code == 200
        css = client.get("/static/css/portal.css")
        assert css.status_code == 200 and css.headers["expires"]  # served by nginx from disk
        codes = [_login_failure(client, n) for n in range(10)]
        assert codes == [400] * 10  # a wrong password, never a CSRF refusal: the scheme is https
        assert _login_failure(client, 99) == 429


def test_the_caddyfile_is_valid() -> None:
    """deploy/Caddyfile passes `caddy validate` without a warning."""
    binary = shutil.which("caddy")
    if binary is None:
        missing("the Caddyfile check needs caddy (apt-get install caddy)")
    done = subprocess.run(
        [binary, "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Valid configuration" in done.stdout + done.stderr
    assert '"level":"warn"' not in done.stderr, done.stderr
