"""Search over published posts (see portfolio/search.py for how matching works on each database)."""

from blog.models import LIST_FIELDS, Post
from portfolio.rows import Rows
from portfolio.search import Source, search

# What the lists show, and the body as plain text, which the snippets quote; the tags from the rows.
POST_RESULTS = Source(
    Rows(Post, related=("category", "series"), only=(*LIST_FIELDS, "search_text")), pin=Post.tags.prefetch
)


def search_posts(query):
    """The newest published posts matching `query`, ranked; their `rows()` each carry a `search_snippet`."""
    return search(POST_RESULTS, query)
