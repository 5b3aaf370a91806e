"""Media storage in S3-compatible object storage (used when S3_BUCKET is set, see settings)."""

from django.conf import settings
from storages.backends.s3 import S3Storage


class MediaS3Storage(S3Storage):
    """Stores uploads in the bucket, but links them under MEDIA_URL on this site.

    The app streams them from the bucket (portfolio.views.media), so images stay same-origin under the
    CSP, and any app server can serve any upload.
    """

    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL if name is None else f"/{settings.MEDIA_URL.strip('/')}/{name.lstrip('/')}"
