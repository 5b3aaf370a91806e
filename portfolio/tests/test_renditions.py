"""Uploaded covers are shown as WebP renditions, made once with Pillow, with srcset, width and height."""

import re
from io import BytesIO
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from blog.models import Post
from blog.tests.factories import make_post
from portfolio import renditions
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo(width=2000, height=1000, name="photo.png", format="PNG"):
    buffer = BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{format.lower()}")


def test_a_new_cover_gets_webp_renditions_at_each_width(media_root):
    post = make_post("With a cover", cover_image=photo(), cover_alt="An orange square")
    record = Post.objects.get(pk=post.pk).cover_renditions
    assert [(width, height) for _name, width, height in record["renditions"]] == [(480, 240), (960, 480), (1600, 800)]
    for name, width, height in record["renditions"]:
        with Image.open(media_root / name) as image:
            assert (image.format, image.size) == ("WEBP", (width, height))


def test_the_post_page_shows_srcset_width_and_height_and_serves_webp(client, media_root, settings):
    post = make_post("With a cover", cover_image=photo(), cover_alt="An orange square")
    html = client.get(post.get_absolute_url()).text
    tag = re.search(r'<img src="[^"]+-1600w\.webp"[^>]*>', html)[0]
    assert 'width="1600" height="800"' in tag
    assert re.search(r'srcset="[^"]+-480w\.webp 480w, [^"]+-960w\.webp 960w, [^"]+-1600w\.webp 1600w"', tag)
    assert 'alt="An orange square"' in tag
    source = re.search(r'src="([^"]+)"', tag)[1]
    with Image.open(media_root / source.removeprefix(settings.MEDIA_URL)) as image:
        assert image.format == "WEBP"


def test_renditions_are_made_once_per_image():
    post = make_post("With a cover", cover_image=photo())
    with mock.patch.object(renditions, "make_renditions", wraps=renditions.make_renditions) as made:
        post.title = "Edited"
        post.save()
        assert not made.called
        post.cover_image = photo(name="another.png")
        post.save()
        assert made.call_count == 1


def test_a_small_image_is_never_enlarged():
    post = make_post("Small", cover_image=photo(300, 200))
    record = Post.objects.get(pk=post.pk).cover_renditions
    assert [(width, height) for _name, width, height in record["renditions"]] == [(300, 200)]


def test_removing_the_cover_clears_its_renditions():
    post = make_post("With a cover", cover_image=photo())
    post.cover_image = None
    post.save()
    assert Post.objects.get(pk=post.pk).cover_renditions == {}


def test_a_file_pillow_cannot_read_falls_back_to_the_original(client):
    broken = SimpleUploadedFile("broken.png", b"not an image", content_type="image/png")
    post = make_post("Broken cover", cover_image=broken)
    assert Post.objects.get(pk=post.pk).cover_renditions == {}
    assert client.get(post.get_absolute_url()).status_code == 200


def test_project_covers_get_renditions_too(client):
    project = make_project("With a cover", cover_image=photo(1200, 600), cover_alt="Orange")
    html = client.get(project.get_absolute_url()).text
    # Never wider than the upload: its own width is the largest size.
    srcset = r'srcset="[^"]+ 480w, [^"]+ 960w, [^"]+ 1200w"'
    assert re.search(rf'<img src="[^"]+-1200w\.webp" {srcset}[^>]*width="1200" height="600"', html)
