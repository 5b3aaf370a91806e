from itertools import groupby

from django.core import signing
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from blog.models import Category, Post
from portfolio.mixins import StaffSeesDraftsMixin
from portfolio.twins import markdown_twin

POSTS_PER_PAGE = 10
RELATED_POSTS = 3


class PostListView(ListView):
    paginate_by = POSTS_PER_PAGE
    template_name = "blog/post_list.html"
    context_object_name = "posts"

    def get_queryset(self):
        # Built per request: published() reads the clock, so a class-level queryset would freeze "now".
        return Post.objects.published().for_lists()


class CategoryDetailView(ListView):
    """One category's posts; the category itself is the page's subject, so the view is named for it."""

    paginate_by = POSTS_PER_PAGE
    template_name = "blog/category_detail.html"
    context_object_name = "posts"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return Post.objects.published().for_lists().filter(category=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class ArchiveView(TemplateView):
    """Every live post by year and month, with counts, from one query."""

    template_name = "blog/archive.html"

    def get_context_data(self, **kwargs):
        posts = Post.objects.published().only("title", "slug", "published_at")
        years = []
        # Grouped in the site's time zone, as the dates are shown.
        for year, year_posts in groupby(posts, key=lambda post: timezone.localtime(post.published_at).year):
            months = [
                {"date": month_posts[0].published_at, "posts": month_posts}
                for _, month_posts in (
                    (key, list(group))
                    for key, group in groupby(year_posts, key=lambda post: timezone.localtime(post.published_at).month)
                )
            ]
            years.append({"year": year, "months": months, "count": sum(len(month["posts"]) for month in months)})
        return super().get_context_data(years=years, **kwargs)


class PostDetailView(StaffSeesDraftsMixin, DetailView):
    """Staff also see drafts and scheduled posts, under a banner."""

    queryset = Post.objects.select_related("category", "series", "citation").prefetch_related("tags")
    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**post_page_context(self.object), **kwargs)


def post_page_context(post):
    """Previous/next, related posts and series navigation: a fixed handful of queries, whatever the post count."""
    live = Post.objects.published()
    context = {"previous_post": None, "next_post": None, "related_posts": [], "series_posts": []}
    context["series_position"] = None
    if post.published_at:
        when = post.published_at
        older = Q(published_at__lt=when) | Q(published_at=when, pk__lt=post.pk)
        newer = Q(published_at__gt=when) | Q(published_at=when, pk__gt=post.pk)
        context["previous_post"] = live.filter(older).only("title", "slug").order_by("-published_at", "-pk").first()
        context["next_post"] = live.filter(newer).only("title", "slug").order_by("published_at", "pk").first()
    tag_ids = [tag.pk for tag in post.tags.all()]
    if tag_ids:
        # The series box already lists the other parts, so related posts come from outside the series.
        others = live.exclude(pk=post.pk)
        if post.series_id:
            others = others.exclude(series=post.series_id)
        context["related_posts"] = list(
            others.filter(tags__in=tag_ids)
            .annotate(shared_tags=Count("pk"))
            .order_by("-shared_tags", "-published_at")
            .select_related("category")[:RELATED_POSTS]
        )
    if post.series_id:
        parts = live.filter(series=post.series_id).only("title", "slug")
        series_posts = list(parts.order_by("series_order", "published_at"))
        context["series_posts"] = series_posts
        context["series_position"] = next((i for i, p in enumerate(series_posts, 1) if p.pk == post.pk), None)
    return context


def post_preview(request, token):
    """A signed link the owner shares before publishing: no login, never indexed, never cached."""
    try:
        post = Post.from_preview_token(token)
    except signing.SignatureExpired:
        response = render(request, "blog/preview_expired.html", status=410)
    except (signing.BadSignature, Post.DoesNotExist):
        raise Http404("No such preview.") from None
    else:
        context = {"post": post, "is_preview": True, **post_page_context(post)}
        response = render(request, "blog/post_detail.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def post_markdown(request, slug):
    """/blog/<slug>.md: a published post's Markdown with front matter. Drafts and scheduled posts are 404s."""
    post = get_object_or_404(Post.objects.published().select_related("category").prefetch_related("tags"), slug=slug)
    return markdown_twin(
        post,
        {
            "title": post.title,
            "date": post.published_at.isoformat(),
            "updated": post.updated_at.isoformat(),
            "category": post.category.name,
            "tags": [tag.name for tag in post.tags.all()],
            "summary": post.summary,
            "reading_time_minutes": post.reading_time,
        },
    )
