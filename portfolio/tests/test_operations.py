"""Health check, error pages and production settings: what operators and monitors rely on."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import path

from portfolio.urls import urlpatterns as site_urlpatterns

ROOT = Path(__file__).resolve().parents[2]


def broken_view(request):
    raise RuntimeError("secret internals")


urlpatterns = [*site_urlpatterns, path("boom/", broken_view)]


def run_django(code, **env):
    """Run code in a fresh process with its own environment, as a deployment would start."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))} | env
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**full_env, "DJANGO_SETTINGS_MODULE": "portfolio.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "example.com",
    "SITE_URL": "https://example.com",
}


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "cache": "up"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable():
    # A real, unreachable Postgres: nothing listens on port 1.
    result = run_django(
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.content.decode())",
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere",
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split(" ", 1)
    assert status == "503"
    assert '"status": "unavailable"' in body


@pytest.mark.django_db
def test_unknown_pages_get_the_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "That page isn’t here" in html
    assert "Traceback" not in html and "urlpatterns" not in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_crash_shows_the_500_page_without_details(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django("print('started')", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_django("print('started')", DJANGO_DEBUG="false", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_the_deploy_check_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_serves_hashed_compressed_static_files_over_https_only():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.DEBUG)",
        **PRODUCTION,
    )
    assert result.stdout.split() == ["whitenoise.storage.CompressedManifestStaticFilesStorage", "True", "True", "False"]


def test_the_cache_is_shared_across_processes_and_uses_redis_when_configured():
    default = run_django("from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])", **PRODUCTION)
    redis = run_django(
        "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])",
        **PRODUCTION,
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert default.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
    assert redis.stdout.strip() == "portfolio.resilience.ResilientRedisCache"


def test_mail_goes_out_by_smtp_when_a_host_is_set():
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND)"
    assert run_django(code, DJANGO_DEBUG="true").stdout.strip().endswith("console.EmailBackend")
    assert run_django(code, DJANGO_DEBUG="true", EMAIL_HOST="127.0.0.1").stdout.strip().endswith("smtp.EmailBackend")


def test_every_environment_variable_the_code_reads_is_documented():
    import re

    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    sources = [*ROOT.glob("*/settings.py"), *ROOT.glob("*/management/commands/*.py")]
    read = {name for source in sources for name in re.findall(r"os\.environ\.get\(\"([A-Z_]+)\"", source.read_text())}
    read |= {name for source in sources for name in re.findall(r"env_(?:bool|list)\(\"([A-Z_]+)\"", source.read_text())}
    assert read, "no variables found: the pattern is out of date"
    assert read - documented == set()


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_database_url_names():
    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
