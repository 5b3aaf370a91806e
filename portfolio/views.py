from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from taggit.models import Tag

from blog.models import Post
from blog.search import search_posts
from blog.views import POSTS_PER_PAGE
from portfolio.cache import PAGED, cache_public_page, per_content_version
from portfolio.links import absolute_url
from portfolio.models import FocusArea
from portfolio.search import MAX_QUERY_LENGTH, clean_query
from projects.models import Project
from projects.search import search_projects

RECENT_POSTS = 3


@cache_public_page
def home(request):
    context = {
        "focus_areas": FocusArea.objects.filter(is_visible=True),
        "featured_projects": Project.objects.featured(),
        "recent_posts": Post.objects.published().for_lists()[:RECENT_POSTS],
    }
    return render(request, "portfolio/home.html", context)


@per_content_version(until_next_publish=True)
def live_tagged_post_ids(tag_id):
    """The ids of the live posts carrying a tag, newest first, found once per content version.

    A popular tag is on thousands of posts, and finding a page of them means sorting them all; kept
    here, each page is a slice of this list and one lookup by id.
    """
    return list(Post.objects.published().filter(tags=tag_id).values_list("pk", flat=True))


@cache_public_page(params=PAGED)
def tag_detail(request, slug):
    """Everything with one tag: projects (by tech) and posts share one tag namespace."""
    tag = get_object_or_404(Tag, slug=slug)
    post_ids = live_tagged_post_ids(tag.pk)
    # Only tags on published content have a page: a draft's topics are nobody's business yet.
    if not post_ids and not Project.objects.published().filter(tech=tag).exists():
        raise Http404("No published post or project has this tag.")
    paginator = Paginator(post_ids, POSTS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404("No such page.") from error
    posts = Post.objects.for_lists().in_bulk(page.object_list)
    context = {
        "tag": tag,
        "posts": [posts[pk] for pk in page.object_list if pk in posts],
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        # Projects are few, so they are listed whole, above the first page of posts.
        "projects": Project.objects.tagged(tag.slug) if page.number == 1 else [],
    }
    return render(request, "portfolio/tag_detail.html", context)


# Not page-cached: every query would be its own key (an unbounded, visitor-chosen key space), and a
# search costs a few fixed queries anyway. `q` stays out of portfolio.cache's CACHEABLE_PARAMS.
@require_safe
def search(request):
    """/search/?q=: published posts and projects matching the words, best first. No query, no search."""
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    context = {"query": query, "truncated": len(" ".join(raw.split())) > MAX_QUERY_LENGTH}
    if query:
        context["posts"] = search_posts(query)
        context["projects"] = search_projects(query)
    return render(request, "portfolio/search.html", context)


@never_cache
@require_safe
def healthz(request):
    """200 when the app and its database answer; 503 otherwise, for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok"})


@require_safe
def favicon(request):
    # Browsers ask for /favicon.ico on every page that names no icon, the admin's included.
    return redirect(static("img/favicon.svg"), permanent=True)


@require_safe
def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain")


def _one_line(text):
    return " ".join(text.split())


def _link_text(text):
    # Brackets would end a Markdown link's text early.
    return _one_line(text).replace("[", "\\[").replace("]", "\\]")


def _llms_entries(items):
    return [
        {
            "title": _link_text(item.title),
            "url": absolute_url(item.get_absolute_url()),
            "summary": _one_line(item.summary),
        }
        for item in items
    ]


@cache_public_page
def llms_txt(request):
    """/llms.txt (https://llmstxt.org): who the owner is, then every published post and project, as Markdown."""
    context = {
        "posts": _llms_entries(Post.objects.published().only("title", "slug", "summary")),
        "projects": _llms_entries(Project.objects.published().only("title", "slug", "summary")),
    }
    return render(request, "llms.txt", context, content_type="text/plain; charset=utf-8")
