"""SECURITY.md 7 and 16: production settings, deploy checks and response headers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STRONG = {
    "SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
    "BANYAN_DATA_KEY": "a-production-data-key-of-more-than-32-characters",
    "ALLOWED_HOSTS": "banyan.example.org",
}


def manage(*args: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in STRONG and k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    }
    # A database of its own: the data-key check compares the key with the database's record,
    # and the developer's demo database was written with the development key.
    full_env.update(
        env, DJANGO_SETTINGS_MODULE="banyan.settings.production", BANYAN_VAR_DIR=str(var_dir)
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", var_dir=tmp_path, **STRONG)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "BANYAN_DATA_KEY"])
def test_production_refuses_the_development_keys(missing, tmp_path):
    env = {k: v for k, v in STRONG.items() if k != missing}
    result = manage("check", var_dir=tmp_path, **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_pages_send_the_security_headers(client, world):
    r = client.get("/accounts/login/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"


def test_pages_with_personal_data_are_not_cached(client, world):
    client.force_login(world.bob)
    r = client.get(f"/registry/persons/{world.person_1_1.pk}/")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"


def test_no_template_uses_inline_script_or_style():
    offenders = []
    for path in (ROOT / "banyan").rglob("templates/**/*.html"):
        text = path.read_text()
        if "<script>" in text or "<style" in text or " style=" in text or " onclick=" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
