"""Search over published projects (see portfolio/search.py for how matching works on each database)."""

from portfolio.search import search
from projects.models import Project


def search_projects(query):
    """Published projects matching `query`, ranked. Their cards show no snippet."""
    return search(Project.objects.published().for_cards(), query, snippets=False)
