"""Structured logs: one JSON object per line in production, with the request id; no secrets, no bodies."""

import re
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import path

from portfolio.tests.servers import OWNER_PASSWORD, QUEUE, SECRET_KEY, Visitor, app_server, json_lines
from portfolio.urls import handler500  # noqa: F401 (the site's error handler, for this test urlconf)
from portfolio.urls import urlpatterns as site_urlpatterns

MESSAGE_BODY = "PRIVATE-MESSAGE-BODY please keep this out of logs"


def test_production_logs_one_json_object_per_line_with_a_record_per_request(site_database, tmp_path):
    env = {"DATABASE_URL": site_database, "CONTACT_MIN_FILL_SECONDS": "0", "TASKS_BACKEND": QUEUE}
    with app_server(8123, tmp_path, **env) as server:
        visitor = Visitor(address="198.51.100.23")
        home = visitor.get(server.url + "/")
        search = visitor.get(server.url + "/search/?q=PRIVATE-QUERY")
        # Django logs a 404 with the request attached; its query string must not reach the log.
        missing = visitor.get(server.url + "/no/such/page/?token=PRIVATE-QUERY")
        fields = visitor.form(server.url + "/contact/")
        sent = visitor.post(
            server.url + "/contact/",
            {**fields, "name": "Ada", "email": "ada@example.com", "topic": "other", "message": MESSAGE_BODY},
        )
        signed_in = visitor.sign_in(server.url, "owner", OWNER_PASSWORD)
        assert (home.status_code, search.status_code, missing.status_code) == (200, 200, 404)
        assert sent.status_code == 302 and signed_in.status_code == 302
        log = server.log()

    records = json_lines(log)  # fails on any line that is not a JSON object
    assert {record["logger"] for record in records} >= {"gunicorn.error", "portfolio.access"}
    access = [record for record in records if record["logger"] == "portfolio.access"]
    by_id = {record["request_id"]: record for record in access}
    for response, method, url_path, status in [
        (home, "GET", "/", 200),
        (search, "GET", "/search/", 200),
        (missing, "GET", "/no/such/page/", 404),
        (sent, "POST", "/contact/", 302),
        (signed_in, "POST", "/admin/login/", 302),
    ]:
        record = by_id[response.headers["X-Request-ID"]]
        assert (record["method"], record["path"], record["status"]) == (method, url_path, status)
        assert record["client_ip"] == "198.51.100.23"  # from our (trusted) proxy's X-Forwarded-For
        assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
        assert re.fullmatch(r"[0-9a-f]{32}", record["request_id"])
        assert {"time", "level", "message"} <= set(record)
    for secret in (MESSAGE_BODY, OWNER_PASSWORD, "PRIVATE-QUERY", SECRET_KEY, visitor.cookies["sessionid"]):
        assert secret not in log


def test_development_logs_stay_readable_text(tmp_path, site_database):
    with app_server(8124, tmp_path, DATABASE_URL=site_database, DJANGO_LOG_FORMAT="text") as server:
        response = Visitor().get(server.url + "/")
        log = server.log()
    assert f"INFO portfolio.access [{response.headers['X-Request-ID']}] GET / 200" in log


def test_gunicorn_builds_no_access_record_of_its_own():
    """The app writes the access log. gunicorn's own, turned on by configuring its logging, would format a
    record for every request only to drop it."""
    logger_class = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))["logger_class"]

    def build_record(*args):
        pytest.fail("gunicorn built an access record")

    logger = SimpleNamespace(access_log_enabled=True, atoms=build_record, atoms_wrapper_class=build_record)
    logger_class.access(logger, SimpleNamespace(), SimpleNamespace(), {}, timedelta(0))


def broken_view(request):
    raise RuntimeError("secret internals")


urlpatterns = [*site_urlpatterns, path("boom/", broken_view)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_500_page_shows_the_request_id_and_nothing_else(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert f"<code>{response['X-Request-ID']}</code>" in html
    assert "secret internals" not in html and "Traceback" not in html


@pytest.mark.django_db
def test_a_request_id_from_our_proxy_is_kept_and_a_forged_one_is_not(client, settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_HOPS = ["10.0.0.254"], 0
    from_proxy = client.get("/healthz", HTTP_X_REQUEST_ID="caddy-1234", REMOTE_ADDR="10.0.0.254")
    assert from_proxy["X-Request-ID"] == "caddy-1234"
    direct = client.get("/healthz", HTTP_X_REQUEST_ID="caddy-1234", REMOTE_ADDR="198.51.100.1")
    assert direct["X-Request-ID"] != "caddy-1234"
    odd = client.get("/healthz", HTTP_X_REQUEST_ID="<script>", REMOTE_ADDR="10.0.0.254")
    assert re.fullmatch(r"[0-9a-f]{32}", odd["X-Request-ID"])
