"""Image uploads from the Markdown editor (markdownx's drag and drop), checked before anything is stored.

markdownx's own view trusts the browser's content type and accepts uploads from anyone;
this one is for staff only, opens the file with Pillow to prove it is an image, refuses
oversized files and decompression bombs, re-encodes it (dropping metadata such as GPS
positions) at a sensible width, and stores it under a random name.
"""

import uuid
import warnings
from io import BytesIO

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from PIL import Image, ImageOps, UnidentifiedImageError

from portfolio.markdown import render_markdown

MAX_BYTES = settings.MARKDOWNX_UPLOAD_MAX_SIZE
# 40 megapixels: more than any phone camera; far below what would exhaust memory when decoded.
MAX_PIXELS = 40_000_000
MAX_WIDTH = settings.MARKDOWNX_IMAGE_MAX_SIZE["size"][0]
QUALITY = settings.MARKDOWNX_IMAGE_MAX_SIZE.get("quality", 85)
# Pillow format -> file extension. GIFs are kept as uploaded, so animations survive.
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


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
        return upload

    def save(self):
        """Store the image and return its URL; `stored_size` is then its (width, height) as stored."""
        upload = self.cleaned_data["image"]
        upload.seek(0)
        self.stored_size = self.size  # a GIF is kept as uploaded; _reencode records any resize
        data = upload.read() if self.format == "GIF" else self._reencode(upload)
        folder = timezone.now().strftime(settings.MARKDOWNX_MEDIA_PATH)
        name = default_storage.save(f"{folder}{uuid.uuid4().hex}.{FORMATS[self.format]}", ContentFile(data))
        return default_storage.url(name)

    def _reencode(self, upload):
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)  # phones store rotation in metadata that is about to be dropped
            if image.width > MAX_WIDTH:
                height = round(image.height * MAX_WIDTH / image.width)
                image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
            if self.format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            self.stored_size = image.size
            out = BytesIO()
            image.save(out, self.format, quality=QUALITY, optimize=True)
            return out.getvalue()


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
        url = form.save()
        width, height = form.stored_size
        return JsonResponse(
            {"image_code": f"![]({url}){{width={width} height={height}}}", "width": width, "height": height}
        )


@method_decorator(staff_member_required, name="dispatch")
class MarkdownPreviewView(View):
    """The editor's live preview, for staff only: nobody else needs a Markdown rendering service."""

    def post(self, request):
        return HttpResponse(render_markdown(request.POST.get("content", "")))
