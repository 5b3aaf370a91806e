"""Search over published posts (see portfolio/search.py for how matching works on each database)."""

from blog.models import LIST_FIELDS, Post
from portfolio.publishing import published_where
from portfolio.rows import Rows
from portfolio.search import search

# What the lists show, and the body as plain text, which the snippets quote.
RESULT_ROWS = Rows(Post, related=("category", "series"), only=(*LIST_FIELDS, "search_text"))


def shown_posts(ids):
    """The published posts with these ids, in that order, as the results show them."""
    published, values = published_where()
    posts = RESULT_ROWS.in_order(ids, published, values)
    Post.tags.prefetch(posts)
    return posts


def search_posts(query):
    """The newest published posts matching `query`, ranked; their `rows()` each carry a `search_snippet`."""
    return search(Post, query, fetch=shown_posts)
