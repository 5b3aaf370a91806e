from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from taggit.models import Tag

from blog.models import Post
from blog.views import POSTS_PER_PAGE
from portfolio.cache import cache_public_page
from portfolio.models import FocusArea

RECENT_POSTS = 3


@cache_public_page
def home(request):
    context = {
        "focus_areas": FocusArea.objects.filter(is_visible=True),
        "recent_posts": Post.objects.published().for_lists()[:RECENT_POSTS],
    }
    return render(request, "portfolio/home.html", context)


@cache_public_page
def tag_detail(request, slug):
    """Everything with one tag: posts now; projects share the tag namespace and join this page."""
    tag = get_object_or_404(Tag, slug=slug)
    paginator = Paginator(Post.objects.published().for_lists().filter(tags=tag), POSTS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404("No such page.") from error
    context = {
        "tag": tag,
        "posts": page.object_list,
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        # PROJECTS: the lead adds "projects": Project.objects...filter(tech=tag) here when merging the projects app.
    }
    return render(request, "portfolio/tag_detail.html", context)


@never_cache
def healthz(request):
    """200 when the app and its database answer; 503 otherwise, for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok"})


def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain")
