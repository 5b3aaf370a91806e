from functools import cached_property

from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse

from blog.models import Category, Post
from portfolio.sitemaps import SiteUrlSitemap


def newest_live_change():
    """A category's newest change to a published post, for Category querysets: one step on post_category_updated_idx."""
    return Subquery(
        Post.objects.published().filter(category=OuterRef("pk")).order_by("-updated_at").values("updated_at")[:1]
    )


class PostSitemap(SiteUrlSitemap):
    """Published posts only (the same rule as every list and feed), `limit` to a sitemap page.

    A page is about 145 bytes of XML per post: 1,000 posts make about 145 KB, rendered cold in
    about a tenth of a second, so a crawler's first fetch after a change is quick, and a 10,000-post
    archive is ten pages rather than one 1.5 MB document (the protocol allows 50,000 URLs and 50 MB).
    """

    changefreq = "monthly"
    priority = 0.8
    limit = 1000

    def items(self):
        # A queryset: the paginator counts it (one COUNT on an index) and fetches only its page's slice.
        return Post.objects.published().only("slug", "updated_at").order_by("-published_at", "-id")

    def lastmod(self, post):
        return post.updated_at

    def get_latest_lastmod(self):
        # For the index. Every post has a category, so the newest change is the newest of the categories':
        # one index step per category, where ORDER BY updated_at over the live posts sorts them all on SQLite.
        return Category.objects.annotate(newest=newest_live_change()).aggregate(latest=Max("newest"))["latest"]


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
        return self.live_categories

    @cached_property
    def live_categories(self):
        # Costs the number of categories, not of posts. Kept for the request: the index asks for the items
        # twice (lastmod, then pages), and the views make a new sitemap for each request.
        return list(
            Category.objects.annotate(last_post_change=newest_live_change())
            .filter(last_post_change__isnull=False)
            .order_by("name")
        )

    def lastmod(self, category):
        return category.last_post_change
