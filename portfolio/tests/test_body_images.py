"""Our uploaded images inside a post's or project's Markdown body get width, height and a WebP srcset on save."""

import html
import logging
import re
from io import BytesIO
from unittest import mock

import boto3
import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto import mock_aws
from PIL import Image

from blog.models import Post
from blog.tests.factories import make_post
from portfolio import renditions
from portfolio.markdown import render, render_markdown, rewrite_images
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
FOLDER = "uploads/2026/11/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_bytes(width, height, fmt="PNG", frames=1):
    buffer = BytesIO()
    images = [Image.new("RGB", (width, height), colour) for colour in ("orange", "teal", "navy")[:frames]]
    images[0].save(buffer, fmt, save_all=frames > 1, append_images=images[1:])
    return buffer.getvalue()


def upload(width=2000, height=1000, fmt="PNG", name="photo.png"):
    """An image stored as the upload view stores them; returns its address as a body would write it."""
    return default_storage.url(default_storage.save(FOLDER + name, ContentFile(image_bytes(width, height, fmt))))


def images_in(body_html):
    """[{attribute: value}] for each <img>, values unescaped."""
    return [
        {name: html.unescape(value) for name, value in re.findall(r'([\w-]+)="([^"]*)"', tag)}
        for tag in re.findall(r"<img\s[^>]*>", body_html)
    ]


def only_image(body_html):
    (image,) = images_in(body_html)
    return image


def candidates(srcset):
    """[(storage name, width)] from "url 480w, url 960w"."""
    return [
        (url.removeprefix("/media/"), int(descriptor.removesuffix("w")))
        for url, descriptor in (candidate.split() for candidate in srcset.split(", "))
    ]


def test_an_uploaded_image_gets_its_size_and_a_srcset_of_stored_webp_renditions():
    src = upload(2000, 1000)
    post = make_post("With a photo", body=f'![An orange field]({src} "Dusk")')
    image = only_image(Post.objects.get(pk=post.pk).body_html)
    # Never wider than the largest rendition, and the same shape as the upload.
    assert (image["width"], image["height"]) == ("1600", "800")
    assert (image["loading"], image["decoding"]) == ("lazy", "async")
    assert (image["src"], image["alt"], image["title"]) == (src, "An orange field", "Dusk")
    assert [width for _name, width in candidates(image["srcset"])] == [480, 960, 1600]
    for name, width in candidates(image["srcset"]):
        assert default_storage.exists(name)
        with default_storage.open(name) as file, Image.open(file) as rendition:
            assert (rendition.format, rendition.size) == ("WEBP", (width, width // 2))
    assert image["sizes"] == "(min-width: 864px) 816px, calc(100vw - 2rem)"


def test_a_small_image_is_never_enlarged():
    post = make_post("Small", body=f"![A small square]({upload(300, 200)})")
    image = only_image(post.body_html)
    assert (image["width"], image["height"]) == ("300", "200")
    assert [width for _name, width in candidates(image["srcset"])] == [300]
    assert image["sizes"] == "(min-width: 348px) 300px, calc(100vw - 2rem)"


def test_the_size_the_author_gives_is_kept_and_a_missing_side_follows_the_shape():
    src = upload(2000, 1000)
    both = only_image(render(f"![a]({src}){{width=500 height=100}}", images=renditions.responsive_body_image).html)
    one = only_image(render(f"![a]({src}){{width=400}}", images=renditions.responsive_body_image).html)
    nonsense = only_image(render(f'![a]({src}){{width="50%"}}', images=renditions.responsive_body_image).html)
    assert (both["width"], both["height"]) == ("500", "100")
    assert (one["width"], one["height"], one["sizes"]) == ("400", "200", "(min-width: 448px) 400px, calc(100vw - 2rem)")
    assert (nonsense["width"], nonsense["height"]) == ("1600", "800")


def test_renditions_are_made_once_per_file_and_read_back_on_later_saves(media_root):
    src = upload(2000, 1000)
    with mock.patch.object(Image.Image, "save", autospec=True, side_effect=Image.Image.save) as pillow_saves:
        post = make_post("With a photo", body=f"![An orange field]({src})")
        assert pillow_saves.call_count == 3
        first = post.body_html
        pillow_saves.reset_mock()
        with mock.patch.object(type(default_storage._wrapped), "save", autospec=True) as storage_writes:
            post.title = "Edited"
            post.save()
            make_post("The same photo again", body=f"![Again]({src})")
        assert not pillow_saves.called and not storage_writes.called
    assert Post.objects.get(pk=post.pk).body_html == first
    assert sorted(path.name for path in (media_root / "renditions" / FOLDER).iterdir()) == [
        "photo-1600w.webp",
        "photo-480w.webp",
        "photo-960w.webp",
        "photo.png.json",
    ]


def test_a_record_cut_short_is_made_again(media_root):
    src = upload(2000, 1000)
    (media_root / "renditions" / FOLDER).mkdir(parents=True)
    (media_root / "renditions" / FOLDER / "photo.png.json").write_text('{"source": "uploads/2026/1')
    image = only_image(make_post("With a photo", body=f"![An orange field]({src})").body_html)
    assert [width for _name, width in candidates(image["srcset"])] == [480, 960, 1600]


def test_the_editor_preview_never_reads_storage_or_decodes_images():
    src = upload(2000, 1000)
    with mock.patch.object(renditions, "body_image_record") as looked_up:
        preview = render_markdown(f"![An orange field]({src})")
    assert not looked_up.called
    assert "srcset" not in preview


def test_only_real_img_tags_are_rewritten_and_the_rest_stays_byte_for_byte():
    sanitised = render(
        '![a](/media/uploads/a.png)\n\n`<img src="/media/uploads/b.png">`\n\n'
        '<a href="/x" title="<img src=/media/uploads/c.png>">link</a>'
    ).html
    seen = []
    rewritten = rewrite_images(sanitised, lambda attributes: seen.append(attributes) or {**attributes, "width": "1"})
    assert seen == [{"alt": "a", "src": "/media/uploads/a.png", "loading": "lazy"}]
    assert rewritten == sanitised.replace('loading="lazy">', 'loading="lazy" width="1">', 1)


def test_a_gif_keeps_its_animation_and_gets_its_size(media_root):
    name = default_storage.save(FOLDER + "moving.gif", ContentFile(image_bytes(40, 30, "GIF", frames=3)))
    post = make_post("Animated", body=f"![It moves](/media/{name})")
    image = only_image(post.body_html)
    assert (image["src"], image["width"], image["height"]) == (f"/media/{name}", "40", "30")
    assert "srcset" not in image and "sizes" not in image
    assert not list((media_root / "renditions" / FOLDER).glob("*.webp"))


@pytest.fixture
def broken_files():
    default_storage.save(FOLDER + "drawing.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"/>'))
    default_storage.save(FOLDER + "corrupt.png", ContentFile(b"not an image at all"))
    default_storage.save(FOLDER + "truncated.png", ContentFile(image_bytes(600, 400)[:200]))


@pytest.mark.parametrize(
    ("src", "logged"),
    [
        ("https://example.com/media/uploads/2026/11/photo.png", False),
        ("//example.com/media/uploads/2026/11/photo.png", False),
        ("data:image/png;base64,iVBORw0KGgo=", False),
        ("/media/uploads/2026/11/drawing.svg", False),
        ("/media/uploads/2026/11/photo.png?v=2.png", False),
        ("/media/uploads/2026/11/../../../../photo.png", False),
        ("/media/renditions/uploads/2026/11/photo-480w.webp", False),
        ("/static/img/portrait.png", False),
        ("/media/uploads/2026/11/missing.png", True),
        ("/media/uploads/2026/11/corrupt.png", True),
        ("/media/uploads/2026/11/truncated.png", True),
    ],
)
def test_other_images_are_left_as_they_are_and_never_stop_a_save(client, broken_files, caplog, src, logged):
    upload(2000, 1000)  # the file the crafted addresses point at
    body = f"Before.\n\n![Somewhere else]({src})\n\nAfter."
    with caplog.at_level(logging.WARNING, logger="portfolio.renditions"):
        post = make_post("Elsewhere", body=body)
    assert post.body_html == render(body).html
    assert "After." in client.get(post.get_absolute_url()).text
    warnings = [record for record in caplog.records if record.name == "portfolio.renditions"]
    assert [record.levelname for record in warnings] == (["WARNING"] if logged else [])


def test_authors_cannot_write_srcset_sizes_or_handlers_themselves():
    src = upload(2000, 1000)
    body = (
        f'<img src="{src}" alt="Ours" srcset="https://evil.example/a.png 480w" sizes="1px" '
        'onerror="alert(1)" onload="alert(2)" decoding="sync" loading="eager">\n\n'
        '<img src="https://evil.example/b.png" alt="Theirs" srcset="https://evil.example/c.png 2x" '
        'sizes="100vw" onerror="alert(3)" decoding="sync">'
    )
    body_html = make_post("Hostile", body=body).body_html
    assert "evil.example/a.png" not in body_html and "evil.example/c.png" not in body_html
    assert "onerror" not in body_html and "onload" not in body_html and "alert" not in body_html
    ours, theirs = images_in(body_html)
    assert all(name.startswith("renditions/") for name, _width in candidates(ours["srcset"]))
    assert (ours["decoding"], ours["loading"], ours["sizes"].startswith("(min-width")) == ("async", "lazy", True)
    assert theirs == {"src": "https://evil.example/b.png", "alt": "Theirs", "loading": "lazy"}


def test_the_post_page_and_the_feed_show_the_renditions(client, settings):
    post = make_post("With a photo", body=f"Text.\n\n![An orange field]({upload(2000, 1000)})")
    page = client.get(post.get_absolute_url()).text
    (tag,) = re.findall(r'<img[^>]*alt="An orange field"[^>]*>', page)
    assert 'width="1600" height="800"' in tag
    assert re.search(r'srcset="/media/renditions/[^"]+-480w\.webp 480w, [^"]+ 960w, [^"]+-1600w\.webp 1600w"', tag)
    feed = html.unescape(client.get("/feeds/rss/").text)
    # A feed reader has no page to resolve addresses against, srcset's included.
    site = re.escape(settings.SITE_URL)
    assert re.search(rf'srcset="{site}/media/renditions/\S+ 480w, {site}/media/renditions/\S+ 960w, ', feed)


def test_a_project_case_study_gets_them_too():
    project = make_project("Built", body=f"![A diagram]({upload(1200, 600)})")
    image = only_image(project.body_html)
    assert (image["width"], image["height"]) == ("1200", "600")
    assert [width for _name, width in candidates(image["srcset"])] == [480, 960, 1200]


def test_an_image_dropped_into_the_editor_is_responsive_once_the_post_is_saved(client):
    client.force_login(User.objects.create_user("owner", password="x", is_staff=True))
    photo = SimpleUploadedFile("photo.png", image_bytes(2400, 1200), content_type="image/png")
    code = client.post("/markdownx/upload/", {"image": photo}, HTTP_X_REQUESTED_WITH="XMLHttpRequest").json()
    post = make_post("Dropped", body=code["image_code"].replace("![]", "![An orange field]"))
    image = only_image(post.body_html)
    assert (image["width"], image["height"]) == ("1600", "800")
    assert [width for _name, width in candidates(image["srcset"])] == [480, 960, 1600]


def test_renditions_go_through_the_storage_api_so_an_s3_bucket_works(settings):
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="media")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "portfolio.storage.MediaS3Storage",
                "OPTIONS": {"bucket_name": "media", "region_name": "us-east-1", "file_overwrite": False},
            },
        }
        src = upload(1000, 500)
        post = make_post("From the bucket", body=f"![In the bucket]({src})")
        image = only_image(post.body_html)
        names = [name for name, _width in candidates(image["srcset"])]
        keys = {item["Key"] for item in boto3.client("s3").list_objects_v2(Bucket="media")["Contents"]}
        assert (image["width"], image["height"]) == ("1000", "500")
        assert set(names) | {"renditions/uploads/2026/11/photo.png.json"} <= keys
        with mock.patch.object(renditions, "make_renditions") as made:
            post.save()
            assert not made.called
