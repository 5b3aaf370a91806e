"""Resized WebP renditions of uploaded images, made once with Pillow and stored beside the uploads.

Each image has a record of what was made:
    {"source": "covers/2026/photo.jpg", "width": 1600, "height": 900,
     "renditions": [["renditions/covers/2026/photo-480w.webp", 480, 270], …]}
Everything goes through the storage's API (open, exists, save, delete, url), never a path on disk,
so the same code works with a folder and with an S3 bucket.

- Covers: `keep_renditions(Model, "cover_image", "cover_renditions")` (called from an app's ready())
  makes them after a save that brings a new image, and keeps the record in the JSON field. Pages show
  the image with `{% responsive_image %}` (portfolio/templatetags/images.py).
- Images in a Markdown body: when a post or project is saved, `responsive_body_image` is given each
  `<img>` of the rendered body (portfolio/publishing.py). For one of our uploads it adds width, height,
  a WebP srcset and sizes. They are made at that moment, the first time the file is used, and their
  record is stored beside them as JSON, so later saves read that instead of decoding the image again.
  Made lazily rather than by the upload view so that every image in a body is covered by one path,
  whatever brought the file (an upload, a restored backup, a body written before renditions existed,
  `rerender_posts`), and no work is spent on uploads the owner never keeps in a body.

Either way the browser picks a size from the srcset and reserves the space before the image loads.
"""

import json
import logging
import posixpath
from io import BytesIO
from urllib.parse import unquote

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.signals import post_save
from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (480, 960, 1600)
QUALITY = 80
FOLDER = "renditions"
# What Pillow can make renditions of: the formats uploads are stored in (portfolio/uploads.py).
RASTER_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
# The widest the reading column of a post or case study gets (70ch of the body text, `--measure` in
# static/css/site.css: 757–802 px as measured in Chromium here), and the page's side padding on
# a phone (1.5rem each side, 1rem below 480 px). A little too wide only costs bytes; too narrow would
# pick a blurry rendition.
COLUMN_MAX_PX = 816
PAGE_PADDING_PX = 48
logger = logging.getLogger(__name__)


def rendition_name(source_name, width):
    stem, _extension = posixpath.splitext(source_name)
    return f"{FOLDER}/{stem}-{width}w.webp"


def record_name(source_name):
    """Where a body image's record is stored: beside its renditions, named after the whole source name."""
    return f"{FOLDER}/{source_name}.json"


def _replace(storage, name, content):
    """Store `content` under `name`, replacing what was there; returns the name as stored."""
    # Storages keep an existing file and save under a new name instead, which would leave the record stale.
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(content))


def open_upright(storage, name):
    """(the stored image decoded and turned upright, its format), e.g. (<Image>, "PNG")."""
    with storage.open(name, "rb") as file:
        image = Image.open(file)
        image_format = image.format
        image = ImageOps.exif_transpose(image)
        image.load()
    return image, image_format


def make_renditions(storage, source_name, image=None):
    """Make and store the WebP renditions of a stored image (opened here unless given); returns its record."""
    if image is None:
        image, _format = open_upright(storage, source_name)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("LA", "P") else "RGB")
    # Never enlarged: an image narrower than a width gets one rendition at its own width instead.
    widths = sorted({min(width, image.width) for width in WIDTHS})
    renditions = []
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = BytesIO()
        resized.save(buffer, "WEBP", quality=QUALITY, method=4)
        renditions.append([_replace(storage, rendition_name(source_name, width), buffer.getvalue()), width, height])
    largest = renditions[-1]
    return {"source": source_name, "width": largest[1], "height": largest[2], "renditions": renditions}


def srcset(storage, record):
    return ", ".join(f"{storage.url(name)} {width}w" for name, width, _height in record["renditions"])


def keep_renditions(model, image_field, record_field):
    """After each save of `model`, make renditions for a new image in `image_field` (or clear them)."""

    def refresh(sender, instance, raw=False, **kwargs):
        if raw:
            return
        field_file = getattr(instance, image_field)
        record = getattr(instance, record_field) or {}
        if not field_file:
            new = {}
        elif record.get("source") == field_file.name:
            return  # made already, for this very file
        else:
            try:
                new = make_renditions(field_file.storage, field_file.name)
            except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
                new = {}  # not an image Pillow can read: the page shows the original
        if new != record:
            setattr(instance, record_field, new)
            sender.objects.filter(pk=instance.pk).update(**{record_field: new})

    post_save.connect(refresh, sender=model, weak=False, dispatch_uid=f"renditions-{model._meta.label}-{image_field}")


def image_set(field_file, record):
    """What a page needs to show an image: src, srcset, width and height; None when there is no image."""
    if not field_file:
        return None
    storage = field_file.storage
    if record and record.get("source") == field_file.name and record.get("renditions"):
        return {
            "src": storage.url(record["renditions"][-1][0]),
            "srcset": srcset(storage, record),
            "width": record["width"],
            "height": record["height"],
        }
    return {"src": field_file.url, "srcset": "", "width": None, "height": None}


def stored_name(src):
    """The storage name of an image address in a body when it is one of our uploads, else None.

    Only a site-relative address under MEDIA_URL counts (never another host, a data: URI or a query),
    and only a raster format Pillow can resize (not SVG, not a PDF), and never a rendition itself.
    """
    media_url = settings.MEDIA_URL
    if not src.startswith(media_url) or "?" in src or "#" in src:
        return None
    name = unquote(src.removeprefix(media_url))
    if not name or name != posixpath.normpath(name) or name.startswith(("/", "..", f"{FOLDER}/")) or "\\" in name:
        return None
    if posixpath.splitext(name)[1].lower() not in RASTER_EXTENSIONS:
        return None
    return name


def body_image_record(storage, source_name):
    """The record of a body image: read from beside its renditions, or made now, once per file.

    A GIF keeps its original (renditions would freeze an animation on its first frame): its record has
    the size and no renditions. Raises what storage or Pillow raise for a missing or unreadable file.
    """
    name = record_name(source_name)
    if storage.exists(name):
        with storage.open(name, "rb") as file:
            try:
                record = json.load(file)
            except ValueError:
                record = {}  # cut short while being written: made again below
        if record.get("source") == source_name:
            return record
    image, image_format = open_upright(storage, source_name)
    if image_format == "GIF":
        record = {"source": source_name, "width": image.width, "height": image.height, "renditions": []}
    else:
        record = make_renditions(storage, source_name, image)
    _replace(storage, name, json.dumps(record).encode())
    return record


def _positive_int(value):
    return int(value) if value and value.isascii() and value.isdigit() and int(value) > 0 else None


def shown_size(attributes, record):
    """(width, height) the image is shown at: as the author wrote it, or its own size, keeping its shape."""
    width, height = _positive_int(attributes.get("width")), _positive_int(attributes.get("height"))
    if width and height:
        return width, height
    if width:
        return width, max(1, round(width * record["height"] / record["width"]))
    if height:
        return max(1, round(height * record["width"] / record["height"])), height
    return record["width"], record["height"]


def column_sizes(shown_width):
    """`sizes` for an image in the reading column: its own width, or the column's when that is narrower."""
    width = min(shown_width, COLUMN_MAX_PX)
    return f"(min-width: {width + PAGE_PADDING_PX}px) {width}px, calc(100vw - 2rem)"


def responsive_body_image(attributes):
    """An <img>'s attributes in a rendered body, with size, srcset and sizes added when it is our upload.

    Anything else (other hosts, data: URIs, SVG, missing or unreadable files) comes back unchanged, and
    a missing or unreadable upload is logged: a broken image must never stop the owner saving a post.
    """
    source_name = stored_name(attributes.get("src", ""))
    if source_name is None:
        return attributes
    storage = default_storage
    try:
        record = body_image_record(storage, source_name)
    except Exception:  # storage errors differ by backend (OSError, botocore's ClientError…), Pillow's too
        logger.warning("The body image %s is shown as it is: it could not be read", source_name, exc_info=True)
        return attributes
    width, height = shown_size(attributes, record)
    shown = {**attributes, "width": str(width), "height": str(height)}
    if record["renditions"]:
        shown |= {"srcset": srcset(storage, record), "sizes": column_sizes(width)}
    return shown | {"loading": "lazy", "decoding": "async"}
