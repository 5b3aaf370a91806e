"""Image uploads, checked and re-encoded before anything is stored.

markdownx's own view trusts the browser's content type and accepts uploads from anyone;
this one is for staff only, opens the file with Pillow to prove it is an image, refuses
oversized files and decompression bombs, re-encodes it (dropping metadata such as GPS
positions) at a sensible width, and stores it under a random name.

Every other image upload (the ImageFields of any model: covers, the avatar) is re-encoded the
same way on save, so no byte of an uploaded file survives except the pixels Pillow decoded.
"""

import logging
import uuid
import warnings
from io import BytesIO

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from portfolio.markdown import render_markdown

MAX_BYTES = settings.MARKDOWNX_UPLOAD_MAX_SIZE
# 40 megapixels: more than any phone camera; far below what would exhaust memory when decoded.
MAX_PIXELS = 40_000_000
MAX_WIDTH = settings.MARKDOWNX_IMAGE_MAX_SIZE["size"][0]
QUALITY = settings.MARKDOWNX_IMAGE_MAX_SIZE.get("quality", 85)
# Pillow format -> file extension.
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
logger = logging.getLogger(__name__)


def _fit_width(image):
    if image.width <= MAX_WIDTH:
        return image
    height = max(1, round(image.height * MAX_WIDTH / image.width))
    return image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)


def _reencode_gif(image):
    """Every frame redrawn from its pixels, so comments, extensions and trailing bytes are left behind."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 100))
        clean = _fit_width(frame.convert("RGBA"))
        clean.info = {}  # Pillow would write a decoded comment back out
        frames.append(clean)
    out = BytesIO()
    animation = {"duration": durations, "loop": image.info.get("loop", 0), "disposal": 2} if len(frames) > 1 else {}
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], **animation)
    return out.getvalue()


def reencode(source, image_format):
    """The image as a brand-new file of the same format: decoded pixels only, upright, at most MAX_WIDTH wide."""
    with Image.open(source) as image:
        if image_format == "GIF":
            return _reencode_gif(image)
        image = _fit_width(ImageOps.exif_transpose(image))  # phones store rotation in metadata about to be dropped
        if image_format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        elif "transparency" in image.info:
            image = image.convert("RGBA")  # a palette's transparent colour lives in the info about to be cleared
        image.info = {}  # no EXIF, ICC profile, text chunks or comments from the upload
        out = BytesIO()
        image.save(out, image_format, quality=QUALITY, optimize=True)
        return out.getvalue()


def reencode_image_fields(sender, instance, raw=False, **kwargs):
    """pre_save, for every model: a newly uploaded ImageField file is replaced by its re-encoding.

    The admin's form has already proved it is an image. One that Pillow still cannot re-encode is
    dropped (and logged) rather than stored as uploaded.
    """
    if raw:  # fixtures and restores bring files that were re-encoded when first uploaded
        return
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.ImageField):
            continue
        upload = getattr(instance, field.attname)
        if not upload or upload._committed:
            continue
        try:
            upload.seek(0)
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(upload) as image:
                    image_format = image.format
                upload.seek(0)
                if image_format not in FORMATS:
                    raise ValueError(f"{image_format} is not an accepted format")
                data = reencode(upload, image_format)
        except Exception:
            logger.warning("Dropped an upload to %s.%s that could not be re-encoded", sender.__name__, field.name)
            setattr(instance, field.attname, "")
            continue
        setattr(instance, field.attname, ContentFile(data, name=f"{uuid.uuid4().hex}.{FORMATS[image_format]}"))


class ImageUploadForm(forms.Form):
    image = forms.FileField(error_messages={"required": "Choose an image to upload."})

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; images can be at most {MAX_BYTES // 1024 // 1024} MB."
            )
        try:
            with warnings.catch_warnings():
                # Pillow only warns between its own limit and twice that; treat every bomb as one.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(upload) as image:
                    self.format = image.format
                    self.size = image.size
                    self.frames = getattr(image, "n_frames", 1)
                    image.verify()  # reads the whole file, without decoding the pixels
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise forms.ValidationError("This image has far too many pixels to process.") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise forms.ValidationError("This file is not a readable image: use JPEG, PNG, GIF or WebP.") from None
        if self.format not in FORMATS:
            raise forms.ValidationError(f"{self.format} images are not accepted: use JPEG, PNG, GIF or WebP.")
        width, height = self.size
        if width * height > MAX_PIXELS:
            raise forms.ValidationError(
                f"The image is {width}×{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels."
            )
        if width * height * self.frames > MAX_PIXELS:
            # Every frame is decoded to re-encode it, so an animation's frames share the budget.
            raise forms.ValidationError(
                f"The animation has {self.frames} frames of {width}×{height} pixels; "
                f"all frames together can be at most {MAX_PIXELS // 1_000_000} megapixels."
            )
        return upload

    def save(self):
        """Store the image and return (URL, width, height) as stored."""
        upload = self.cleaned_data["image"]
        upload.seek(0)
        data = reencode(upload, self.format)
        with Image.open(BytesIO(data)) as stored:  # the size as stored, after any resize
            width, height = stored.size
        folder = timezone.now().strftime(settings.MARKDOWNX_MEDIA_PATH)
        name = default_storage.save(f"{folder}{uuid.uuid4().hex}.{FORMATS[self.format]}", ContentFile(data))
        return default_storage.url(name), width, height


@method_decorator(staff_member_required, name="dispatch")
class ImageUploadView(View):
    """Answers markdownx's upload request: {"image_code": "![](url){width=… height=…}", "width", "height"},
    or {"image": [reason]} with a 400.

    The size goes into the Markdown (attr_list), so the page reserves the image's space before it loads;
    the editor (static/js/admin-post.js) then asks for the alt text to put between the brackets.
    """

    def post(self, request):
        form = ImageUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse(form.errors, status=400)
        url, width, height = form.save()
        return JsonResponse(
            {"image_code": f"![]({url}){{width={width} height={height}}}", "width": width, "height": height}
        )


@method_decorator(staff_member_required, name="dispatch")
class MarkdownPreviewView(View):
    """The editor's live preview, for staff only: nobody else needs a Markdown rendering service."""

    def post(self, request):
        return HttpResponse(render_markdown(request.POST.get("content", "")))
