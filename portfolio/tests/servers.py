"""Real app servers for tests that need processes of their own: outages, logs, two instances.

Each server is gunicorn in production mode (DEBUG off, JSON logs) on a loopback port, started in its
own process group and always stopped, with its log kept in a file the test can read.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

import requests

# The production task queue: notifications wait in the database for a worker, and nothing is mailed.
QUEUE = "django_tasks_db.backend.DatabaseBackend"
ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = secrets.token_urlsafe(64)
STARTUP_SECONDS = 30
OWNER_PASSWORD = "a-long-owner-password"


def production_env(**overrides):
    """The environment of a production process: nothing inherited from the test run's Django settings."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "S3_", "TASKS_", "CONTACT_", "TRUSTED_"))
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "portfolio.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_MANIFEST_STATIC": "false",
        # whitenoise warns that nothing was collected (production runs collectstatic); keep the log JSON.
        "PYTHONWARNINGS": "ignore::UserWarning",
        # The test plays the reverse proxy: it says the visitor came over HTTPS, and from which address.
        "TRUSTED_PROXY_HOPS": "1",
        **overrides,
    }


def manage(*args, **env):
    """Run a management command as a deployment would (migrate, seed_demo, shell -c ...)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def json_lines(log):
    """Every line of a production log, parsed: each must be one JSON object."""
    return [json.loads(line) for line in log.splitlines() if line.strip()]


class Server:
    def __init__(self, port, log_path):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    def log(self):
        return self.log_path.read_text(errors="replace")


@contextmanager
def app_server(port, log_dir, workers=1, **env):
    """gunicorn serving the site on 127.0.0.1:port until the block ends."""
    log_path = Path(log_dir) / f"gunicorn-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portfolio.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--no-control-socket",
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=production_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, log_path)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{server.log()}"
            try:
                requests.get(server.url + "/healthz", timeout=STARTUP_SECONDS)
                break
            except requests.RequestException:  # not listening yet (a first request may also be slow to import)
                assert time.monotonic() < deadline, f"gunicorn did not start:\n{server.log()}"
                time.sleep(0.2)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class FormFields(HTMLParser):
    """The (name, value) pairs a browser would submit for one form, as it stands in the page."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.pairs = form_id, False, []
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or not attrs.get("name") and tag != "option":
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "file", "image", "reset"):
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.pairs.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.pairs.append((self.select, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            # Browsers drop the newline that directly follows <textarea>.
            self.pairs.append((self.textarea[0], self.textarea[1].removeprefix("\n")))
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


class Visitor:
    """A browser-like client arriving through the (simulated) HTTPS proxy, keeping its own cookies.

    Production cookies are Secure; requests would not send them back over the test's plain HTTP.
    """

    def __init__(self, address="203.0.113.10"):
        self.address = address
        self.cookies = {}

    def request(self, method, url, **kwargs):
        origin = re.match(r"https?://[^/]+", url).group(0).replace("http://", "https://")
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Origin": origin,
            "Referer": origin + "/",
            **kwargs.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = requests.request(method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs)
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.request("POST", url, data=data, **kwargs)

    def form(self, url):
        """GET a page with a form; return its hidden fields (CSRF token, time trap) to post back."""
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        fields = {}
        for tag in re.findall(r"<input[^>]*>", response.text):
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name and 'type="hidden"' in tag:
                fields[name.group(1)] = value.group(1) if value else ""
        return fields

    def submit(self, url, form_id, changes):
        """Load a form, change some fields (replacing their values), and submit it as a browser would."""
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        parser = FormFields(form_id)
        parser.feed(response.text)
        assert parser.pairs, f"no form #{form_id} at {url}"
        pairs = [(name, value) for name, value in parser.pairs if name not in changes] + list(changes.items())
        return self.post(url, pairs)

    def sign_in(self, server_url, username, password, admin_path="/admin/"):
        fields = self.form(server_url + admin_path + "login/")
        return self.post(
            server_url + admin_path + "login/",
            {**fields, "username": username, "password": password, "next": admin_path},
        )


class TcpRelay:
    """A loopback TCP relay to a service, which a test can cut and restore: a database that goes away.

    While cut, nothing listens on the port and every relayed connection is closed, as when the service
    dies; after `restore`, new connections get through again.
    """

    def __init__(self, port, target_port):
        self.port, self.target_port = port, target_port
        self.listener, self.connections = None, []
        self.lock = threading.Lock()

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    restore = start

    def cut(self):
        with self.lock:
            sockets, self.connections = [self.listener, *self.connections], []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                return
            upstream.settimeout(None)
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
