"""The base for every sitemap, the home page's, and the sitemap index.

The sitemaps framework takes the host from the sites framework, whose row 1 says example.com
until someone edits it. SITE_URL already names the public address for emails, meta tags and
feeds, so sitemaps take their scheme and host from it too: nothing in the database to keep in step.

`/sitemap.xml` is an index naming one sitemap per section (`/sitemap-<section>.xml`), and one per
page of a section longer than its `limit` (`?p=2`…), so no request renders the whole archive.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.urls import reverse

from portfolio.links import absolute_url


class SiteUrlSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


def sitemap_index(request, sitemaps):
    """Django's sitemap index, each address on SITE_URL's host (the view itself asks the sites framework)."""
    response = sitemap_views.index(request, sitemaps, sitemap_url_name="sitemap_section")
    for entry in response.context_data["sitemaps"]:
        entry.location = absolute_url(urlsplit(entry.location)._replace(scheme="", netloc="").geturl())
    return response


class HomeSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        return ["home", "about"]

    def location(self, name):
        return reverse(name)
