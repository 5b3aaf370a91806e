"""Feeds with full content: RSS 2.0, Atom, JSON Feed 1.1, and RSS for one tag.

Every address in a feed is absolute and built from settings.SITE_URL, never from the
sites framework (whose default row says example.com) or the request's Host header.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from taggit.models import Tag

from blog.models import Post
from portfolio.links import absolute_url
from portfolio.markdown import resolve_urls
from portfolio.models import SiteProfile

FEED_LENGTH = 20


def absolutize_urls(body_html, base_url):
    """Resolve relative links and image sources against base_url: a feed reader has no page to resolve them from."""
    return resolve_urls(body_html, base_url)


def feed_posts(tag=None):
    """The newest published posts, each with its full body, category and tags, in three queries."""
    posts = (
        Post.objects.published()
        .select_related("category")
        .prefetch_related("tags")
        # A feed carries the HTML body; the Markdown source and the derived columns stay in the database.
        .defer("body", "toc", "search_text", "related_ranking")
    )
    if tag is not None:
        posts = posts.filter(tags=tag)
    return posts[:FEED_LENGTH]


def post_content(post):
    return absolutize_urls(post.body_html, absolute_url(post.get_absolute_url()))


def post_modified(post):
    # A post saved while scheduled was last edited before it went live; readers see it change when it appears.
    return max(post.updated_at, post.published_at)


@dataclass
class FeedSource:
    """What one request's feed is about; the feed object itself is shared between requests and threads."""

    profile: SiteProfile | None
    tag: Tag | None = None

    @property
    def author_name(self):
        # Not the seed's placeholder name: a feed reader would credit every post to "Portfolio".
        return self.profile.owner_name if self.profile and self.profile.has_real_name else None

    @property
    def site_title(self):
        return self.profile.owner_name if self.profile else "Writing"


class FullContentRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the summary as <description> and the whole post in <content:encoded>."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


class FullContentAtomFeed(Atom1Feed):
    """Atom with the summary as <summary> and the whole post in <content type="html">."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class LatestPostsFeed(Feed):
    feed_type = FullContentRssFeed
    language = "en"

    def get_object(self, request):
        return FeedSource(profile=SiteProfile.load())

    def title(self, source):
        return f"{source.site_title}: writing"

    def description(self, source):
        return (source.profile.meta_description if source.profile else "") or "Technical writing."

    def link(self, source):
        return absolute_url(reverse("blog:post_list"))

    def feed_url(self, source):
        return absolute_url(reverse("feeds:rss"))

    def author_name(self, source):
        return source.author_name

    def items(self, source):
        posts = list(feed_posts(source.tag))
        # Item hooks receive only the post, so each carries the author the request already loaded.
        for post in posts:
            post.feed_author_name = source.author_name
        return posts

    def item_title(self, post):
        # Plain text: the XML writer escapes it once, as readers expect.
        return post.title

    def item_description(self, post):
        return post.summary

    def item_link(self, post):
        return absolute_url(post.get_absolute_url())

    def item_guid(self, post):
        return self.item_link(post)

    def item_guid_is_permalink(self, post):
        return True

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return post_modified(post)

    def item_author_name(self, post):
        return post.feed_author_name

    def item_categories(self, post):
        return [tag.name for tag in post.tags.all()]

    def item_extra_kwargs(self, post):
        return {"content_html": post_content(post)}


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = FullContentAtomFeed

    def subtitle(self, source):
        return self.description(source)

    def feed_url(self, source):
        return absolute_url(reverse("feeds:atom"))


class TagPostsFeed(LatestPostsFeed):
    """RSS for the posts carrying one tag; a tag with no published post is a 404, so drafts' topics stay private."""

    def get_object(self, request, slug):
        tag = get_object_or_404(Tag, slug=slug, pk__in=Post.objects.published().values("tags"))
        return FeedSource(profile=SiteProfile.load(), tag=tag)

    def title(self, source):
        return f"{source.site_title}: posts tagged #{source.tag.name}"

    def link(self, source):
        return absolute_url(reverse("tag_detail", kwargs={"slug": source.tag.slug}))

    def feed_url(self, source):
        return absolute_url(reverse("feeds:tag", kwargs={"slug": source.tag.slug}))


def json_feed(request):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of the same posts as the RSS and Atom feeds."""
    source = FeedSource(profile=SiteProfile.load())
    author = {"name": source.author_name, "url": absolute_url(reverse("about"))} if source.author_name else None
    items = []
    for post in feed_posts():
        item = {
            "id": absolute_url(post.get_absolute_url()),
            "url": absolute_url(post.get_absolute_url()),
            "title": post.title,
            "content_html": post_content(post),
            "summary": post.summary,
            "date_published": post.published_at.isoformat(),
            "date_modified": post_modified(post).isoformat(),
            "tags": [tag.name for tag in post.tags.all()],
        }
        if post.cover_image:
            item["image"] = absolute_url(post.cover_image.url)
        if author:
            item["authors"] = [author]
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{source.site_title}: writing",
        "home_page_url": absolute_url(reverse("blog:post_list")),
        "feed_url": absolute_url(reverse("feeds:json")),
        "language": "en",
        "items": items,
    }
    if source.profile and source.profile.meta_description:
        feed["description"] = source.profile.meta_description
    if author:
        feed["authors"] = [author]
    return JsonResponse(feed, content_type="application/feed+json")
