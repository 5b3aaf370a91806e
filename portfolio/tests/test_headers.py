"""Permissions-Policy and Cross-Origin-Resource-Policy on every response (finding 11)."""

import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import path
from PIL import Image

from portfolio.tests.factories import make_profile
from portfolio.urls import handler500  # noqa: F401 (the site's error handler, for this test urlconf)
from portfolio.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [*site_urlpatterns, path("boom/", broken_view)]


def assert_protected(response):
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    assert "clipboard-write=(self)" in policy  # the code blocks' copy button
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "url, status",
    [
        ("/", 200),
        ("/blog/", 200),
        ("/robots.txt", 200),
        ("/feeds/rss/", 200),
        ("/healthz", 200),
        ("/no/such/page/", 404),
        ("/boom/", 500),
        ("/admin/", 302),
        ("/admin/login/", 200),
    ],
)
def test_every_kind_of_response_carries_the_headers(client, url, status):
    make_profile()
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == status
    assert_protected(response)


def test_static_files_and_uploads_carry_the_headers(settings, tmp_path):
    settings.WHITENOISE_USE_FINDERS = True  # whitenoise serves from the source folders, as under runserver
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "photo.png").write_bytes(png_bytes())
    client = Client()  # a fresh handler, so whitenoise reads the setting
    static = client.get("/static/css/site.css")
    assert static.status_code == 200
    assert_protected(static)
    media = client.get("/media/photo.png")
    assert media.status_code == 200 and media["Content-Type"] == "image/png"
    assert_protected(media)


def test_a_locked_out_sign_in_carries_the_headers(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    User.objects.create_superuser("owner", "owner@example.com", "a-long-test-password")
    response = client.post("/admin/login/", {"username": "owner", "password": "wrong"})
    assert response.status_code == 429
    assert_protected(response)


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, "PNG")
    return buffer.getvalue()
