"""Search over published posts (see portfolio/search.py for how matching works on each database)."""

from blog.models import Post
from portfolio.search import search


def search_posts(query):
    """The newest published posts matching `query`, ranked; their `rows()` each carry a `search_snippet`."""
    return search(Post.objects.published().for_lists(), query)
