import mimetypes

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Prefetch
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from taggit.models import Tag

from blog.models import Post
from blog.search import search_posts
from blog.views import POSTS_PER_PAGE, LivePosts, newest_posts_part, posts_for_lists
from portfolio import cards, resilience
from portfolio.cache import PAGED, cache_public_page, per_content_version
from portfolio.links import absolute_url
from portfolio.models import FocusArea, Publication, SiteProfile, SocialLink
from portfolio.rows import fetch_together
from portfolio.search import MAX_QUERY_LENGTH, clean_query, rows_together
from projects.models import Project, featured_projects_part, tagged_projects
from projects.search import search_projects

RECENT_POSTS = 3
# A portfolio has a few dozen projects at most; a search shows the best few, two rows of cards.
SEARCH_PROJECTS_SHOWN = 6


@per_content_version
def visible_focus_areas():
    """The focus areas the home page shows, in the owner's order: like the profile, read once per version."""
    return list(FocusArea.objects.filter(is_visible=True).order_by("order", "id"))


@cache_public_page
def home(request):
    # One statement for both lists: each statement costs a round trip (about 0.15 ms here), however little it reads.
    recent_posts, projects = fetch_together([newest_posts_part(RECENT_POSTS), featured_projects_part()])
    context = {"focus_areas": visible_focus_areas(), "featured_projects": projects, "recent_posts": recent_posts}
    return render(request, "portfolio/home.html", context)


@cache_public_page
def about(request):
    """The owner's longer story, experience, CV link and publications."""
    live_posts = Post.objects.published().only("title", "slug", "citation_id")
    publications = Publication.objects.prefetch_related(Prefetch("citing_posts", live_posts, to_attr="live_posts"))
    return render(request, "portfolio/about.html", {"publications": publications, "person": _person()})


def _person():
    """schema.org ProfilePage data for /about/: who the owner is, for search engines. None until they've said."""
    profile = SiteProfile.load()
    if profile is None or not profile.has_real_name:
        return None
    person = {"@type": "Person", "name": profile.owner_name, "url": absolute_url(reverse("about"))}
    if profile.short_bio:
        person["description"] = profile.short_bio
    if profile.portrait_url:
        person["image"] = absolute_url(profile.portrait_url)
    if profile.location:
        person["homeLocation"] = {"@type": "Place", "name": profile.location}
    # The owner's own profiles elsewhere; a platform's home page says nothing about them.
    links = SocialLink.objects.filter(is_visible=True)
    same_as = [link.url for link in links if link.is_external and not link.is_placeholder]
    if same_as:
        person["sameAs"] = same_as
    return {"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": person}


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
    context = {
        "tag": tag,
        "posts": posts_for_lists(page.object_list),
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        # Projects are few, so they are listed whole, above the first page of posts.
        "projects": tagged_projects(tag.slug) if page.number == 1 else [],
    }
    return render(request, "portfolio/tag_detail.html", context)


# Not page-cached: every query would be its own key (an unbounded, visitor-chosen key space), and a
# search costs a few fixed queries anyway. `q` stays out of portfolio.cache's CACHEABLE_PARAMS.
@require_safe
def search(request):
    """/search/?q=&page=: published posts and projects matching the words, best first. No query, no search."""
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    context = {"query": query, "truncated": len(" ".join(raw.split())) > MAX_QUERY_LENGTH}
    if query:
        post_matches, project_matches = search_posts(query), search_projects(query)
        # get_page, not page: a bad or stale page number shows a page rather than an error.
        page = Paginator(post_matches.ids, POSTS_PER_PAGE).get_page(request.GET.get("page"))
        # As on the tag page: projects are few, shown above the first page of posts.
        shown_projects = project_matches.ids[:SEARCH_PROJECTS_SHOWN] if page.number == 1 else []
        posts, projects = rows_together([(post_matches, page.object_list), (project_matches, shown_projects)])
        context |= {
            "post_matches": post_matches,
            "project_matches": project_matches,
            "posts": posts,
            "page_obj": page,
            "page_query": urlencode({"q": query}),
            "projects": projects,
        }
    return render(request, "portfolio/search.html", context)


def page_not_found(request, exception):
    """The 404 page offers a search box and the latest posts, so a dead link still leads somewhere."""
    try:
        recent_posts = LivePosts()[:RECENT_POSTS]
    except DatabaseError:
        recent_posts = []  # the page must still render when the database is what's missing
    return render(request, "404.html", {"recent_posts": recent_posts}, status=404)


def _database_is_up():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _health(database_up, cache_up, **checks):
    status = "ok" if database_up and cache_up and all(checks.values()) else "degraded"
    if not database_up:
        status = "unavailable"
    body = {"status": status, "database": "up" if database_up else "down", "cache": "up" if cache_up else "down"}
    body.update({name: "ok" if ok else "pending" for name, ok in checks.items()})
    return body


@never_cache
@require_safe
def healthz(request):
    """Up: 200 while the app and its database answer, 503 otherwise. Reports the cache too.

    A cache outage leaves it at 200 ("degraded"): pages still render, only slower.
    """
    body = _health(_database_is_up(), resilience.cache_is_up())
    return JsonResponse(body, status=503 if body["status"] == "unavailable" else 200)


_migrations_applied = False


def _migrations_are_applied():
    """Whether the schema matches the code; once true it stays true for this process."""
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


@never_cache
@require_safe
def readyz(request):
    """Ready: 200 only when this instance can serve every page: the database answers and is migrated.

    A new instance started before `migrate` is up but not ready. A cache outage does not make an
    instance unready (every instance shares the cache, and pages render without it).
    """
    database_up = _database_is_up()
    try:
        migrated = database_up and _migrations_are_applied()
    except DatabaseError:
        database_up = migrated = False
    body = _health(database_up, resilience.cache_is_up(), migrations=migrated)
    return JsonResponse(body, status=200 if database_up and migrated else 503)


def media(request, path):
    """An uploaded file, from whichever storage holds it (a folder, or the S3 bucket every server shares)."""
    try:
        file = default_storage.open(path)
    except (FileNotFoundError, SuspiciousFileOperation, OSError) as error:
        raise Http404("No such file.") from error
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(file, content_type=content_type)
    # Uploads are stored under random names and never change, so browsers may keep them.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


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


def _llms_entries(items, twin_url_name):
    return [
        {
            "title": _link_text(item.title),
            "url": absolute_url(item.get_absolute_url()),
            "markdown_url": absolute_url(reverse(twin_url_name, kwargs={"slug": item.slug})),
            "summary": _one_line(item.summary),
        }
        for item in items
    ]


@cache_public_page
def llms_txt(request):
    """/llms.txt (https://llmstxt.org): who the owner is, then every published post and project, as Markdown."""
    context = {
        "posts": _llms_entries(Post.objects.published().only("title", "slug", "summary"), "blog:post_markdown"),
        "projects": _llms_entries(
            Project.objects.published().only("title", "slug", "summary"), "projects:project_markdown"
        ),
    }
    return render(request, "llms.txt", context, content_type="text/plain; charset=utf-8")


def admin_locked_out(request, original_response=None, credentials=None):
    """What django-axes answers to a locked-out admin sign-in: a plain explanation, 429, nothing hashed."""
    context = {
        "username": (credentials or {}).get("username", ""),
        "minutes": settings.ADMIN_LOCKOUT_MINUTES,
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
    }
    return render(request, "admin/locked_out.html", context, status=429)


def social_card(request, kind, slug, key):
    """/cards/<kind>/<slug>/<key>.png: a published item's social card, cached for a year under its key."""
    owner = getattr(SiteProfile.load(), "owner_name", "")
    if kind == "post":
        item = get_object_or_404(
            Post.objects.published().select_related("category").prefetch_related("tags"), slug=slug
        )
        card = item.social_card(owner)
    elif kind == "project":
        card = get_object_or_404(Project.objects.published().with_tech(), slug=slug).social_card(owner)
    elif kind == "tag":
        card = cards.tag_card(get_object_or_404(Tag, slug=slug), owner)
    elif kind == "site" and slug == "home":
        card = cards.home_card(SiteProfile.load())
    else:
        raise Http404("No such card.")
    return cards.card_response(card, key, cards.card_path(kind, slug, card))
