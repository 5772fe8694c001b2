"""The test suite's cheap argon2 parameters never reach a real site.

PORTAL_TEST_PASSWORD_HASH=cheap (set for pytest) keeps argon2id at its cheapest cost; without it
the library's recommended parameters apply, and `portal serve` / `portal worker` refuse to start
a site served over HTTPS with it set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = str(Path(sys.executable).parent / "portal")
PRINT_HASH = "from portal.accounts.passwords import hash_password; print(hash_password('x' * 16))"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_TEST_PASSWORD_HASH"}
    env.update(extra)
    return env


def test_without_the_setting_passwords_get_argon2s_recommended_parameters() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PRINT_HASH], env=_env(), cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("$argon2id$") and "m=65536,t=3,p=4" in out.stdout


def test_the_cheap_setting_is_still_argon2id() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PRINT_HASH],
        env=_env(PORTAL_TEST_PASSWORD_HASH="cheap"),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("$argon2id$") and "m=8,t=1,p=1" in out.stdout


def test_serve_and_worker_refuse_the_cheap_setting_for_an_https_site(tmp_path: Path) -> None:
    env = _env(
        PORTAL_TEST_PASSWORD_HASH="cheap",
        PORTAL_BASE_URL="https://portail.example.org",
        PORTAL_DATABASE_URL=f"sqlite:///{tmp_path / 'none.sqlite3'}",
        PORTAL_SECRET_KEY="s" * 40,
    )
    for command in (["serve", "--port", "0"], ["worker", "--once"]):
        out = subprocess.run(
            [PORTAL, *command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 2, (command, out.stdout, out.stderr)
        assert "PORTAL_TEST_PASSWORD_HASH=cheap" in out.stderr and "tests only" in out.stderr
        assert not (tmp_path / "none.sqlite3").exists()  # stopped before touching a database
