from django.db.models import Max, Q
from django.urls import reverse

from blog.models import Category, Post
from portfolio.sitemaps import SiteUrlSitemap


class PostSitemap(SiteUrlSitemap):
    """Published posts only: the same rule as every list and feed."""

    changefreq = "monthly"
    priority = 0.8

    def items(self):
        # A list, not a queryset: the sitemap's paginator then counts it without a COUNT query.
        return list(Post.objects.published().only("slug", "updated_at").order_by("-published_at", "-id"))

    def lastmod(self, post):
        return post.updated_at


class PostListSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.9

    def items(self):
        return ["blog:post_list"]

    def location(self, name):
        return reverse(name)


class CategorySitemap(SiteUrlSitemap):
    """Categories with at least one published post; an empty category page has nothing to index."""

    changefreq = "weekly"
    priority = 0.5

    def items(self):
        live = Q(posts__in=Post.objects.published())
        # An aggregate drops Meta.ordering, and the sitemap's paginator needs a stable order.
        return list(
            Category.objects.annotate(last_post_change=Max("posts__updated_at", filter=live))
            .filter(last_post_change__isnull=False)
            .order_by("name")
        )

    def lastmod(self, category):
        return category.last_post_change
