"""Resized WebP renditions of uploaded images, made once with Pillow and stored beside the uploads.

An image field is paired with a JSON field that records what was made:
    {"source": "covers/2026/photo.jpg", "width": 1600, "height": 900,
     "renditions": [["renditions/covers/2026/photo-480w.webp", 480, 270], …]}
`keep_renditions(Model, "cover_image", "cover_renditions")` (called from an app's ready()) makes
them after a save that brings a new image, and never again for the same one. Pages then show the
image with `{% responsive_image %}` (portfolio/templatetags/images.py): WebP in a `srcset`, with
`width` and `height`, so the browser picks a size and reserves the space before it loads.
"""

import posixpath
from io import BytesIO

from django.core.files.base import ContentFile
from django.db.models.signals import post_save
from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (480, 960, 1600)
QUALITY = 80
FOLDER = "renditions"


def rendition_name(source_name, width):
    stem, _extension = posixpath.splitext(source_name)
    return f"{FOLDER}/{stem}-{width}w.webp"


def make_renditions(field_file):
    """Make and store the WebP renditions of an image field's file; returns the record for its JSON field."""
    storage = field_file.storage
    with field_file.open("rb") as file:
        image = ImageOps.exif_transpose(Image.open(file))
        image.load()
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
        name = rendition_name(field_file.name, width)
        if storage.exists(name):
            storage.delete(name)
        renditions.append([storage.save(name, ContentFile(buffer.getvalue())), width, height])
    largest = renditions[-1]
    return {"source": field_file.name, "width": largest[1], "height": largest[2], "renditions": renditions}


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
                new = make_renditions(field_file)
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
        renditions = record["renditions"]
        return {
            "src": storage.url(renditions[-1][0]),
            "srcset": ", ".join(f"{storage.url(name)} {width}w" for name, width, _height in renditions),
            "width": record["width"],
            "height": record["height"],
        }
    return {"src": field_file.url, "srcset": "", "width": None, "height": None}
