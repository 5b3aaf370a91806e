"""Search over published projects (see portfolio/search.py for how matching works on each database)."""

from portfolio.publishing import published_where
from portfolio.search import search
from projects.models import CARD_ROWS, Project


def shown_projects(ids):
    """The published projects with these ids, in that order, as cards show them."""
    published, values = published_where()
    projects = CARD_ROWS.in_order(ids, published, values)
    Project.tech.prefetch(projects)
    return projects


def search_projects(query):
    """Published projects matching `query`, ranked. Their cards show no snippet."""
    return search(Project, query, fetch=shown_projects, snippets=False)
