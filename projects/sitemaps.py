from django.urls import reverse

from portfolio.sitemaps import SiteUrlSitemap
from projects.models import Project


class ProjectSitemap(SiteUrlSitemap):
    """Published case studies, for /sitemap.xml (wired in the root urlconf with the blog's sitemaps)."""

    changefreq = "monthly"
    priority = 0.7

    def items(self):
        # A list: counted without a COUNT query (see blog.sitemaps.PostSitemap).
        return list(Project.objects.published().only("slug", "updated_at"))

    def lastmod(self, project):
        return project.updated_at


class ProjectListSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return ["projects:project_list"]

    def location(self, name):
        return reverse(name)
