"""Two app servers on shared services: Postgres (data, sessions, task queue), Redis (cache, sessions),
S3-compatible storage (media; moto in server mode). What one server does, the other sees; when the
database goes away under them, both degrade and then recover.

Skipped only when a service is missing here, saying which; CI has all three.
"""

import io
import os
import re
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
import redis
import requests
from PIL import Image

from portfolio.tests.servers import OWNER_PASSWORD, QUEUE, TcpRelay, Visitor, app_server, manage

REDIS_URL = "redis://127.0.0.1:6379/3"
MOTO_PORT = 8125
RELAY_PORT = 8127
BUCKET = "portfolio-media"


def postgres_server():
    """The Postgres server the suite may use: DATABASE_URL's when it is Postgres, else the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return parts._replace(path="").geturl()


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def shared_postgres():
    server = postgres_server()
    name = f"two_servers_{os.getpid()}"
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"Postgres is not reachable at {server}: {error}")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def object_store(tmp_path):
    """moto's S3 in server mode on loopback, with an empty bucket."""
    assert port_is_free(MOTO_PORT), f"port {MOTO_PORT} is taken"
    endpoint = f"http://127.0.0.1:{MOTO_PORT}"
    with open(tmp_path / "moto.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(MOTO_PORT)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(endpoint, timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "moto.log").read_text()
                time.sleep(0.2)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket=BUCKET)
        yield endpoint, s3
    finally:
        process.terminate()
        process.wait(timeout=10)


def png(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def database_relay(shared_postgres):
    """A relay to the shared Postgres that the test can cut: the database going away, and coming back."""
    parts = urlsplit(shared_postgres)
    relay = TcpRelay(RELAY_PORT, parts.port or 5432)
    relay.start()
    relay.url = parts._replace(netloc=f"{parts.username}@127.0.0.1:{RELAY_PORT}").geturl()
    yield relay
    relay.cut()


def test_two_app_servers_share_edits_rate_limits_uploads_and_lockouts_and_outlive_the_database(
    shared_postgres, shared_redis, object_store, database_relay, tmp_path
):
    endpoint, s3 = object_store
    env = {
        "DATABASE_URL": shared_postgres,
        "REDIS_URL": shared_redis,
        "TASKS_BACKEND": QUEUE,
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        # Media must not fall back to a local folder: this one stays empty.
        "DJANGO_MEDIA_ROOT": str(tmp_path / "local-media"),
        "CONTACT_MIN_FILL_SECONDS": "0",
        "CONTACT_RATE_LIMIT": "2",
        "ADMIN_LOGIN_FAILURE_LIMIT": "3",
    }
    manage("migrate", "--noinput", "-v0", **env)
    manage("seed_demo", **env)
    post_pk, post_slug = (
        manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; from blog.models import Post; "
            f"User.objects.create_superuser('owner', 'owner@example.com', '{OWNER_PASSWORD}'); "
            "post = Post.objects.published().first(); print(post.pk, post.slug)",
            **env,
        )
        .splitlines()[-1]
        .split()
    )

    # The servers reach the database through the relay; the setup commands above went direct.
    servers_env = {**env, "DATABASE_URL": database_relay.url}
    with app_server(8120, tmp_path, **servers_env) as a, app_server(8126, tmp_path, **servers_env) as b:
        # An edit through A shows on B within its version check (PAGE_CACHE_VERSION_CHECK_SECONDS, 1 s;
        # the content version lives in the shared store), asked for until then plus a busy machine's margin.
        reader = Visitor(address="198.51.100.1")
        assert reader.get(f"{b.url}/blog/{post_slug}/").status_code == 200  # B has it cached now
        owner = Visitor(address="198.51.100.2")
        assert owner.sign_in(a.url, "owner", OWNER_PASSWORD).status_code == 302
        saved = owner.submit(f"{a.url}/admin/blog/post/{post_pk}/change/", "post_form", {"title": "Edited through A"})
        assert saved.status_code == 302, saved.text[:2000]
        deadline = time.monotonic() + 3
        page = reader.get(f"{b.url}/blog/{post_slug}/")
        while "Edited through A" not in page.text and time.monotonic() < deadline:
            time.sleep(0.1)
            page = reader.get(f"{b.url}/blog/{post_slug}/")
        assert page.status_code == 200 and "Edited through A" in page.text
        # The owner's session, made on A, holds on B (sessions live in Redis and Postgres).
        assert owner.get(f"{b.url}/admin/").status_code == 200

        # An image uploaded through A is stored in the bucket and served by B.
        token = owner.cookies["csrftoken"]
        uploaded = owner.post(
            f"{a.url}/markdownx/upload/",
            files={"image": ("photo.png", png("teal"), "image/png")},
            headers={"X-CSRFToken": token, "X-Requested-With": "XMLHttpRequest"},
        )
        assert uploaded.status_code == 200, uploaded.text
        media_path = re.search(r"\((/media/[^)]+)\)", uploaded.json()["image_code"])[1]
        key = media_path.removeprefix("/media/")
        assert [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [key]
        served = reader.get(b.url + media_path)
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
        assert served.content == s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert not (tmp_path / "local-media").exists()

        # A rate limit counted on A holds on B.
        sender = Visitor(address="203.0.113.50")
        message = {"name": "Ada", "email": "ada@example.com", "topic": "other", "message": "Hello"}
        for server in (a, a):
            sent = sender.post(f"{server.url}/contact/", {**sender.form(f"{server.url}/contact/"), **message})
            assert sent.status_code == 302
        over = sender.post(f"{b.url}/contact/", {**sender.form(f"{b.url}/contact/"), **message})
        assert over.status_code == 429

        # A lockout on A holds on B, even with the right password.
        attacker = Visitor(address="203.0.113.66")
        for _ in range(3):
            attacker.sign_in(a.url, "owner", "wrong guess")
        assert attacker.sign_in(b.url, "owner", OWNER_PASSWORD).status_code == 429
        # Not for the owner at another address.
        assert Visitor(address="198.51.100.3").sign_in(b.url, "owner", OWNER_PASSWORD).status_code == 302

        # The database goes away under running servers: pages in the shared cache are still served by
        # either server; the rest is the friendly 503; neither is ready. Then it comes back.
        database_relay.cut()
        for server in (a, b):
            cached = reader.get(f"{server.url}/blog/{post_slug}/")
            assert cached.status_code == 200 and "Edited through A" in cached.text
            missing = reader.get(f"{server.url}/blog/archive/")
            assert missing.status_code == 503 and missing.headers["Retry-After"] == "30"
            assert reader.get(f"{server.url}/readyz").status_code == 503
        database_relay.restore()
        for server in (a, b):
            assert reader.get(f"{server.url}/readyz").status_code == 200
            assert reader.get(f"{server.url}/blog/archive/").status_code == 200

    # The accepted messages wait in the Postgres task queue for the worker.
    queued = manage(
        "shell", "-c", "from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.count())", **env
    )
    assert int(queued.split()[-1]) >= 2
