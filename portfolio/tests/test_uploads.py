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
    return re.search(r"\(/media/([^)]+)\)", response.json()["image_code"])[1]


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
    assert '<h2 id="md-hi">' in response.content.decode() and "<script" not in response.content.decode()
    assert staff_client.post("/markdownx/markdownify/", {}).status_code == 200  # no content: empty, not a 500


def test_the_editor_preview_explains_a_refused_body(staff_client):
    response = staff_client.post("/markdownx/markdownify/", {"content": "[" * 30000})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="render-refused"' in html and "square brackets" in html and "[[[" not in html


HOSTILE = b"<html><script>alert(document.domain)</script></html>"


def gif_with_trailing_html(frames=1):
    buffer = io.BytesIO()
    images = [Image.new("RGB", (30, 20), colour) for colour in ("teal", "orange", "purple")[:frames]]
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], comment=b"<!-- " + HOSTILE + b" -->")
    return buffer.getvalue() + b"<!--" + HOSTILE


def test_a_gif_is_re_encoded_so_trailing_html_and_comments_do_not_survive(staff_client):
    upload = SimpleUploadedFile("x.gif", gif_with_trailing_html(), content_type="image/gif")
    response = staff_client.post(URL, {"image": upload}, **AJAX)
    assert response.status_code == 200
    path = stored_path(response)
    assert path.endswith(".gif")
    with default_storage.open(path) as stored:
        data = stored.read()
    assert b"script" not in data and b"<!--" not in data and b"html" not in data
    assert data.endswith(b";")  # the GIF trailer is the last byte
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF" and image.size == (30, 20)


def test_an_animated_gif_keeps_every_frame_after_re_encoding(staff_client):
    upload = SimpleUploadedFile("x.gif", gif_with_trailing_html(frames=3), content_type="image/gif")
    response = staff_client.post(URL, {"image": upload}, **AJAX)
    with default_storage.open(stored_path(response)) as stored, Image.open(stored) as image:
        assert image.n_frames == 3
        assert b"script" not in stored.read()


def test_an_animation_whose_frames_together_exceed_the_pixel_limit_is_refused(staff_client, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 30 * 20 * 2)
    upload = SimpleUploadedFile("x.gif", gif_with_trailing_html(frames=3), content_type="image/gif")
    response = staff_client.post(URL, {"image": upload}, **AJAX)
    assert response.status_code == 400
    assert "3 frames" in response.json()["image"][0]


def test_png_text_chunks_and_trailing_bytes_are_dropped(staff_client):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", HOSTILE.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "teal").save(buffer, "PNG", pnginfo=info)
    upload = SimpleUploadedFile("x.png", buffer.getvalue() + HOSTILE, content_type="image/png")
    response = staff_client.post(URL, {"image": upload}, **AJAX)
    with default_storage.open(stored_path(response)) as stored:
        assert b"script" not in stored.read()


def test_model_image_fields_are_re_encoded_on_save_too(media_root):
    from portfolio.tests.factories import make_profile

    profile = make_profile()
    profile.avatar = SimpleUploadedFile("me.gif", gif_with_trailing_html(), content_type="image/gif")
    profile.save()
    assert re.fullmatch(r"profile/[0-9a-f]{32}\.gif", profile.avatar.name)
    data = (media_root / profile.avatar.name).read_bytes()
    assert b"script" not in data and data.endswith(b";")
    # Saving again leaves the stored file alone.
    name = profile.avatar.name
    profile.save()
    assert profile.avatar.name == name


def test_a_model_upload_pillow_cannot_re_encode_is_dropped_not_stored(media_root, caplog):
    from portfolio.tests.factories import make_profile

    profile = make_profile()
    profile.avatar = SimpleUploadedFile("me.png", HOSTILE, content_type="image/png")
    profile.save()
    assert not profile.avatar
    assert list(media_root.rglob("*.*")) == []
    assert "could not be re-encoded" in caplog.text


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_a_transparent_palette_image_stays_transparent_after_re_encoding(staff_client, fmt):
    image = Image.new("P", (10, 10), 0)
    image.putpalette([255, 255, 255, 0, 128, 128] + [0] * 762)
    image.putpixel((0, 0), 1)
    buffer = io.BytesIO()
    image.save(buffer, fmt, transparency=0)
    upload = SimpleUploadedFile(f"x.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")
    response = staff_client.post(URL, {"image": upload}, **AJAX)
    with default_storage.open(stored_path(response)) as stored, Image.open(stored) as result:
        rgba = result.convert("RGBA")
        assert rgba.getpixel((5, 5))[3] == 0  # the background is still see-through
        assert rgba.getpixel((0, 0)) == (0, 128, 128, 255)
