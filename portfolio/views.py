from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from taggit.models import Tag

from portfolio.cache import cache_public_page
from portfolio.models import FocusArea
from projects.models import Project


@cache_public_page
def home(request):
    context = {
        "focus_areas": FocusArea.objects.filter(is_visible=True),
        "featured_projects": Project.objects.featured(),
    }
    return render(request, "portfolio/home.html", context)


@cache_public_page
def tag_detail(request, slug):
    # Minimal stand-in so project tech chips link somewhere on this branch; the blog's version (posts too) wins.
    tag = get_object_or_404(Tag, slug=slug)
    return render(request, "portfolio/tag_detail.html", {"tag": tag, "projects": Project.objects.tagged(slug)})


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


def favicon(request):
    # Browsers ask for /favicon.ico on every page that names no icon, the admin's included.
    return redirect(static("img/favicon.svg"), permanent=True)


def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain")
