from django.conf import settings


def absolute_url(path):
    """A site path as the public address readers use (SITE_URL), for emails, feeds, the admin and crawlers."""
    return settings.SITE_URL + path
