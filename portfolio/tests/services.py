"""Real services for tests that need more than the test client: scratch databases and a gunicorn server.

Each scratch database is its own SQLite file or Postgres database, migrated by `manage.py migrate`
in a subprocess, so a server process and the test can share it without pytest-django's transaction.
"""

import contextlib
import itertools
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from http.client import HTTPConnection, HTTPException
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Servers started by tests take ports from this range first (one range per engineer on a shared machine).
PORT_RANGE = os.environ.get("TEST_PORT_RANGE", "8130-8139")
# Its own per test run, so runs sharing a Redis database never share a counter (keys hash the address with it).
SERVER_SECRET_KEY = "test-server-" + secrets.token_urlsafe(48)
_names = itertools.count()


def free_port():
    low, high = (int(part) for part in PORT_RANGE.split("-"))
    for port in range(low, high + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_server_url():
    """The Postgres server to make scratch databases on: the suite's own when it runs on Postgres."""
    url = os.environ.get("TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _admin_connection():
    import psycopg

    return psycopg.connect(postgres_server_url(), autocommit=True, connect_timeout=3)


def postgres_reachable():
    try:
        with _admin_connection():
            return True
    except Exception:
        return False


def migrate(database_url):
    # One process for both commands: starting Django is most of the cost.
    script = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', interactive=False, verbosity=0); call_command('createcachetable', verbosity=0)"
    )
    env = server_env(database_url, DJANGO_SETTINGS_MODULE="portfolio.settings")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)


@contextlib.contextmanager
def scratch_database(kind, tmp_path):
    """A migrated, empty database of `kind` ("sqlite" or "postgres"); yields its DATABASE_URL."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'scratch-{next(_names)}.sqlite3'}"
        migrate(url)
        yield url
        return
    if not postgres_reachable():
        pytest.skip(f"Postgres is not reachable at {postgres_server_url()}")
    name = f"scratch_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(postgres_server_url())._replace(path=f"/{name}"))
    try:
        migrate(url)
        yield url
    finally:
        with _admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(database_url, sql, params=()):
    """Rows from a scratch database, read the way an operator would, outside Django."""
    if database_url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as conn:
            return conn.execute(sql, params).fetchall()
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(sql.replace("?", "%s"), params).fetchall()


def server_env(database_url, **overrides):
    """A production-like environment (DEBUG off) for a server or command on `database_url`."""
    inherited = ("DJANGO_", "DATABASE_URL", "REDIS_", "TASKS_", "CONTACT_", "TRUSTED_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    env |= {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SERVER_SECRET_KEY,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_MANIFEST_STATIC": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    return env | {key: str(value) for key, value in overrides.items()}


class AppServer:
    """gunicorn serving the site on loopback; a context manager that always stops what it started."""

    def __init__(self, env, workers=2, threads=4, log_path=None):
        self.env = env
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "portfolio.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--no-control-socket",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            with contextlib.suppress(OSError, HTTPException):
                if request(self.port, "GET", "/robots.txt")[0] < 500:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 30 s")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def worker_pids(self):
        """The worker processes (children of the gunicorn master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def request(port, method, path, body=None, headers=None, timeout=30):
    """One HTTP request on loopback; returns (status, headers as a dict of lists, body text)."""
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        received = {}
        for name, value in response.getheaders():
            received.setdefault(name.lower(), []).append(value)
        return response.status, received, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def hidden_value(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(rf'value="([^"]*)" name="{name}"', html)
    return match[1] if match else ""


class Visitor:
    """A browser-like visitor of a live server: loads a form (cookie, CSRF token, signed start) and posts it."""

    def __init__(self, port, headers=None):
        self.port = port
        self.headers = headers or {}

    def open_form(self, path):
        status, headers, html = request(self.port, "GET", path, headers=self.headers)
        assert status == 200, f"GET {path} answered {status}"
        cookie = SimpleCookie()
        for value in headers.get("set-cookie", []):
            cookie.load(value)
        csrf = cookie["csrftoken"].value
        return {
            "cookie": f"csrftoken={csrf}",
            "csrfmiddlewaretoken": hidden_value(html, "csrfmiddlewaretoken"),
            "started": hidden_value(html, "started"),
        }

    def post_form(self, path, opened, data):
        body = urlencode(
            {"csrfmiddlewaretoken": opened["csrfmiddlewaretoken"], "started": opened["started"], "website": ""} | data
        )
        headers = self.headers | {"Cookie": opened["cookie"], "Content-Type": "application/x-www-form-urlencoded"}
        return request(self.port, "POST", path, body=body, headers=headers)
