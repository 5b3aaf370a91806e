"""The feeds, mounted at /feeds/ by the root urlconf; named `feeds:rss`, `feeds:atom`, `feeds:json`, `feeds:tag`."""

from django.urls import path

from blog import feeds
from portfolio.cache import cache_public_page

app_name = "feeds"

urlpatterns = [
    path("rss/", cache_public_page(feeds.LatestPostsFeed()), name="rss"),
    path("atom/", cache_public_page(feeds.LatestPostsAtomFeed()), name="atom"),
    path("json/", cache_public_page(feeds.json_feed), name="json"),
    path("tags/<uslug:slug>/", cache_public_page(feeds.TagPostsFeed()), name="tag"),
]
