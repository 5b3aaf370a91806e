"""The compose stack (finding 12): Docker cannot run here, so its file is checked for what matters."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_only_the_reverse_proxy_is_published_and_gunicorn_is_not():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert SERVICES["proxy"]["image"].startswith("caddy:")  # the official image
    assert {"80:80", "443:443"} <= set(SERVICES["proxy"]["ports"])


def test_the_app_trusts_exactly_the_one_hop_that_caddy_is():
    for name in ("web", "worker", "notifier", "migrate"):
        assert SERVICES[name]["environment"]["TRUSTED_PROXY_HOPS"] == "1"
    caddyfile = (ROOT / "Caddyfile").read_text()
    # No trusted_proxies in Caddy: it replaces whatever X-Forwarded-* a client sends with what it saw.
    assert "trusted_proxies" not in caddyfile
    assert re.search(r"dynamic a \{\s*name web\s*port 8000", caddyfile)


def test_the_web_service_can_be_scaled():
    web = SERVICES["web"]
    assert "container_name" not in web and "ports" not in web
    # Migrations run once, in their own service, not in every replica at the same moment.
    assert "migrate" not in web["command"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "migrate" in SERVICES["migrate"]["command"]


def test_sessions_cache_and_queue_are_shared_services():
    env = SERVICES["web"]["environment"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["TASKS_BACKEND"] == "django_tasks_db.backend.DatabaseBackend"
