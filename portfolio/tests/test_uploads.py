"""Images dropped into the Markdown editor: checked with Pillow, resized, stored under a random name."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portfolio import uploads
from portfolio.markdown import render_markdown

pytestmark = pytest.mark.django_db
URL = "/markdownx/upload/"
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_user("owner", password="x", is_staff=True))
    return client


def image_file(width=40, height=30, fmt="PNG", name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def stored_path(response):
    return re.search(r"\(/media/(.+)\)", response.json()["image_code"])[1]


def test_a_real_image_is_stored_under_a_random_name_and_returned_as_markdown(staff_client):
    response = staff_client.post(URL, {"image": image_file(name="../../etc/evil name.png")}, **AJAX)
    assert response.status_code == 200
    path = stored_path(response)
    assert re.fullmatch(r"uploads/\d{4}/\d{2}/[0-9a-f]{32}\.png", path)
    assert default_storage.exists(path)


def test_a_wide_image_is_resized_to_the_maximum_width(staff_client):
    response = staff_client.post(URL, {"image": image_file(3200, 1600, "JPEG", "wide.jpg")}, **AJAX)
    with default_storage.open(stored_path(response)) as stored, Image.open(stored) as image:
        assert image.size == (uploads.MAX_WIDTH, uploads.MAX_WIDTH // 2)
        assert image.format == "JPEG"


@pytest.mark.parametrize(
    ("size", "fmt", "stored"),
    [((40, 30), "PNG", (40, 30)), ((3200, 1600), "JPEG", (1600, 800)), ((24, 12), "GIF", (24, 12))],
)
def test_the_stored_width_and_height_are_recorded_in_the_markdown(staff_client, size, fmt, stored):
    response = staff_client.post(URL, {"image": image_file(*size, fmt, f"x.{fmt.lower()}")}, **AJAX)
    width, height = stored
    assert (response.json()["width"], response.json()["height"]) == stored
    assert response.json()["image_code"].endswith(f"){{width={width} height={height}}}")
    with default_storage.open(stored_path(response)) as file, Image.open(file) as image:
        assert image.size == stored
    html = render_markdown(response.json()["image_code"].replace("![]", "![A teal square]"))
    assert f'height="{height}"' in html and f'width="{width}"' in html and 'alt="A teal square"' in html


def test_a_file_that_is_not_an_image_is_refused_whatever_it_claims(staff_client):
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    response = staff_client.post(URL, {"image": fake}, **AJAX)
    assert response.status_code == 400
    assert "not a readable image" in response.json()["image"][0]


def test_an_svg_is_refused(staff_client):
    svg = SimpleUploadedFile("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/svg+xml")
    assert staff_client.post(URL, {"image": svg}, **AJAX).status_code == 400


def test_a_file_over_10_mb_is_refused(staff_client, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_BYTES", 1000)
    response = staff_client.post(URL, {"image": image_file(400, 400, "BMP", "big.bmp")}, **AJAX)
    assert response.status_code == 400
    assert "at most" in response.json()["image"][0]


def test_an_image_over_the_pixel_limit_is_refused(staff_client, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100 * 100)
    response = staff_client.post(URL, {"image": image_file(200, 200)}, **AJAX)
    assert response.status_code == 400
    assert "megapixels" in response.json()["image"][0]


def test_a_decompression_bomb_is_refused_before_it_is_decoded(staff_client):
    # A tiny file that declares 30000 × 30000 pixels (900 MP): Pillow sees the size from the header alone.
    buffer = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buffer, "PNG")
    assert buffer.tell() < 1024 * 1024
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    response = staff_client.post(URL, {"image": bomb}, **AJAX)
    assert response.status_code == 400
    assert "too many pixels" in response.json()["image"][0]


def test_an_image_in_a_format_we_do_not_serve_is_refused(staff_client):
    response = staff_client.post(URL, {"image": image_file(fmt="BMP", name="x.bmp")}, **AJAX)
    assert response.status_code == 400
    assert "BMP images are not accepted" in response.json()["image"][0]


def test_a_missing_file_gets_a_clear_message(staff_client):
    response = staff_client.post(URL, {}, **AJAX)
    assert response.status_code == 400
    assert response.json()["image"] == ["Choose an image to upload."]


def test_visitors_cannot_upload_or_use_the_preview(client):
    assert client.post(URL, {"image": image_file()}, **AJAX).status_code == 302  # to the admin login
    assert client.post("/markdownx/markdownify/", {"content": "# x"}).status_code == 302


def test_the_editor_preview_renders_with_the_site_renderer(staff_client):
    response = staff_client.post("/markdownx/markdownify/", {"content": "## Hi\n\n<script>x</script>"})
    assert response.status_code == 200
    assert '<h2 id="hi">' in response.content.decode() and "<script" not in response.content.decode()
    assert staff_client.post("/markdownx/markdownify/", {}).status_code == 200  # no content: empty, not a 500
