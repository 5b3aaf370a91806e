"""The base for every sitemap, and the home page's.

The sitemaps framework takes the host from the sites framework, whose row 1 says example.com
until someone edits it. SITE_URL already names the public address for emails, meta tags and
feeds, so sitemaps take their scheme and host from it too: nothing in the database to keep in step.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class SiteUrlSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class HomeSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        return ["home", "about"]

    def location(self, name):
        return reverse(name)
