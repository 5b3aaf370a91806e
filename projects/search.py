"""Search over published projects (see portfolio/search.py for how matching works on each database)."""

from portfolio.search import Source, search
from projects.models import CARD_ROWS, Project

# As cards show them; cards show no snippet.
PROJECT_RESULTS = Source(CARD_ROWS, pin=Project.tech.prefetch, snippets=False)


def search_projects(query):
    """Published projects matching `query`, ranked."""
    return search(PROJECT_RESULTS, query)
