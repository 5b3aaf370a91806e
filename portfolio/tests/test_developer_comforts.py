"""What a developer relies on from a fresh clone: a bare pytest, a fast suite, another port, a clean image."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_bare_pytest_works_with_no_variables_exported():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PYTEST_"))}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "pytest"), "-q", "--collect-only", "portfolio/tests/test_models.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_tests_use_a_fast_password_hasher():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_make_run_serves_on_the_port_asked_for_and_links_follow_it():
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8050"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "runserver 127.0.0.1:8050" in result.stdout
    assert "http://127.0.0.1:8050/admin/" in result.stdout


def test_the_docker_build_context_leaves_out_secrets_and_local_data():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".admin-credentials", "db.sqlite3", ".venv/", "media/"):
        assert entry in ignored
