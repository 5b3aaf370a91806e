from functools import cached_property

from django.urls import reverse

from portfolio.sitemaps import SiteUrlSitemap
from projects.models import Project


class ProjectSitemap(SiteUrlSitemap):
    """Published case studies, for the sitemap index (wired in the root urlconf with the blog's sitemaps)."""

    changefreq = "monthly"
    priority = 0.7

    def items(self):
        return self.live_projects

    @cached_property
    def live_projects(self):
        # A handful, so one list: the paginator counts it without a COUNT query, and the index's lastmod
        # and page count read it once (the views make a new sitemap for each request).
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
