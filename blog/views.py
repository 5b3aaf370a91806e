from datetime import datetime, timedelta
from itertools import groupby

from django.core import signing
from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from blog.models import LIST_FIELDS, Category, Post
from blog.related import RELATED_POSTS
from portfolio.cache import per_content_version
from portfolio.mixins import StaffSeesDraftsMixin
from portfolio.publishing import published_where
from portfolio.rows import Part, Rows, fetch_together, ordering
from portfolio.twins import markdown_twin

POSTS_PER_PAGE = 10


@per_content_version(until_next_publish=True)
def live_post_count(category_id=None):
    """How many posts are live (in a category): counted once per content version, not per page."""
    posts = Post.objects.published()
    return (posts.filter(category_id=category_id) if category_id else posts).count()


# Only what a post's item in a list shows (see portfolio/rows.py).
LIST_ROWS = Rows(Post, related=("category", "series"), only=LIST_FIELDS)
NEWEST_FIRST = f"ORDER BY {ordering(Post)}"


class LivePosts:
    """The live posts (of one category), newest first, as the lists show them, a slice at a time.

    What a Paginator needs: count() (once per content version) and slices, each one written statement
    and the slice's tags. The publishing rule is read from the clock at each slice.
    """

    def __init__(self, category_id=None):
        self.category_id = category_id

    def count(self):
        return live_post_count(self.category_id)

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        published, values = published_where()
        if self.category_id:
            tail, values = f"WHERE t.category_id = %s AND {published}", [self.category_id, *values]
        else:
            tail = f"WHERE {published}"
        posts = LIST_ROWS.fetch(f"{tail} {NEWEST_FIRST} LIMIT {int(stop - start)} OFFSET {int(start)}", values)
        Post.tags.prefetch(posts)
        return posts


def newest_posts_part(count):
    """The `count` newest live posts, as the lists show them: a Part (portfolio/rows.py), for a page that
    fetches them in one statement with other rows (home)."""
    published, values = published_where()
    newest = f"SELECT t.id FROM {Post._meta.db_table} t WHERE {published} {NEWEST_FIRST} LIMIT {int(count)}"
    return Part(LIST_ROWS, f"WHERE t.id IN ({newest})", values, order=ordering(Post), pin=Post.tags.prefetch)


def posts_for_lists(pks):
    """The posts with these ids, as the lists show them, in the order given (missing ones left out)."""
    posts = LIST_ROWS.in_order(pks)
    Post.tags.prefetch(posts)
    return posts


class PostListView(ListView):
    paginate_by = POSTS_PER_PAGE
    template_name = "blog/post_list.html"
    context_object_name = "posts"

    def get_queryset(self):
        return LivePosts()


class CategoryDetailView(ListView):
    """One category's posts; the category itself is the page's subject, so the view is named for it."""

    paginate_by = POSTS_PER_PAGE
    template_name = "blog/category_detail.html"
    context_object_name = "posts"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return LivePosts(self.category.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


@per_content_version(until_next_publish=True)
def live_post_years(time_zone_name):
    """[(year, live posts that year)], newest first, in the site's time zone: once per content version."""
    return list(
        Post.objects.published()
        .annotate(year=ExtractYear("published_at"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
        .values_list("year", "count")
    )


class ArchiveView(TemplateView):
    """Live posts by month, a year to a page (`?year=`, the newest by default), with every year linked.

    One year, not the whole archive: a page's size and cost follow how often the owner writes, not how
    long they have (10,000 posts made one 1.3 MB page that took a second to render).
    """

    template_name = "blog/archive.html"

    def get_context_data(self, **kwargs):
        years = live_post_years(timezone.get_current_timezone_name())
        counts = dict(years)
        requested = self.request.GET.get("year")
        if requested is None:
            year = years[0][0] if years else None
        elif requested.isascii() and requested.isdigit() and int(requested) in counts:
            year = int(requested)
        else:
            raise Http404("No posts were published that year.")
        months = []
        if year is not None:
            zone = timezone.get_current_timezone()
            start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
            # until= the year's last moment: one upper bound on the publish time (see published()).
            posts = (
                Post.objects.published(until=end - timedelta(microseconds=1))
                .filter(published_at__gte=start)
                .only("title", "slug", "published_at")
            )
            # Grouped in the site's time zone, as the dates are shown.
            for _, month_posts in groupby(posts, key=lambda post: timezone.localtime(post.published_at).month):
                month_posts = list(month_posts)
                months.append({"date": month_posts[0].published_at, "posts": month_posts})
        return super().get_context_data(years=years, year=year, year_count=counts.get(year, 0), months=months, **kwargs)


# A post page's post, as the ORM's select_related would load it (see portfolio/rows.py).
POST_PAGE_ROWS = Rows(Post, related=("category", "series", "citation"))


class PostDetailView(StaffSeesDraftsMixin, DetailView):
    """Staff also see drafts and scheduled posts, under a banner."""

    queryset = Post.objects.select_related("category", "series", "citation").prefetch_related("tags")
    template_name = "blog/post_detail.html"
    context_object_name = "post"
    nearby_posts = None  # fetched with the post for visitors; by post_page_context for staff

    def get_object(self, queryset=None):
        if self.request.user.is_staff:
            return super().get_object(queryset)
        # Every visitor's first read of a post: the post and the posts around it, one written statement.
        published, values = published_where()
        page, page_values = _page_post(f"t.slug = %s AND {published}", [self.kwargs["slug"], *values])
        posts, self.nearby_posts = fetch_together(
            [Part(POST_PAGE_ROWS, "WHERE t.id = (SELECT id FROM page)", []), Part(NEARBY_ROWS, *_nearby_tail())],
            prefix=page,
            prefix_params=page_values,
        )
        if not posts:
            raise Http404("No such post.")
        Post.tags.prefetch(posts)
        return posts[0]

    def get_context_data(self, **kwargs):
        return super().get_context_data(**post_page_context(self.object, self.nearby_posts), **kwargs)


def post_page_context(post, nearby_posts=None):
    """Previous/next, related posts and series navigation, from rows whose query's cost doesn't grow.

    nearby_posts: what _nearby_tail() found for the post, if its statement already ran (the visitors'
    post page fetches them with the post); otherwise they are fetched here, by the post's stored row.
    """
    if nearby_posts is None:
        page, page_values = _page_post("t.id = %s", [post.pk])
        (nearby_posts,) = fetch_together([Part(NEARBY_ROWS, *_nearby_tail())], prefix=page, prefix_params=page_values)
    ranked_ids = [entry[0] for entry in post.related_ranking]
    rows = [row for row in nearby_posts if row.is_live]
    context = {"previous_post": None, "next_post": None, "related_posts": [], "series_posts": []}
    context["series_position"] = None
    if post.published_at:
        # The nearest older and newer rows are among the rows fetched, so they are the neighbours.
        here = (post.published_at, post.pk)
        context["previous_post"] = max((r for r in rows if (r.published_at, r.pk) < here), default=None, key=_when)
        context["next_post"] = min((r for r in rows if (r.published_at, r.pk) > here), default=None, key=_when)
    by_pk = {row.pk: row for row in rows}
    context["related_posts"] = [by_pk[pk] for pk in ranked_ids if pk in by_pk][:RELATED_POSTS]
    if post.series_id:
        parts = [row for row in rows if row.series_id == post.series_id]
        if post.is_live:
            parts.append(post)
        series_posts = sorted(parts, key=lambda part: (part.series_order, part.published_at, part.pk))
        context["series_posts"] = series_posts
        context["series_position"] = next((i for i, p in enumerate(series_posts, 1) if p.pk == post.pk), None)
    context["nearby_key"] = _nearby_key(post, context)
    return context


def _nearby_key(post, context):
    """Everything the series, pager and related sections show: their memo key."""
    return (
        post.pk,
        post.series_id and post.series.title,
        _links(context["series_posts"]),
        context["series_position"],
        _links([context["previous_post"], context["next_post"]]),
        tuple((p.pk, p.title, p.slug, p.category.name, p.reading_time) for p in context["related_posts"]),
    )


def _links(posts):
    return tuple(post and (post.pk, post.title, post.slug) for post in posts)


def _when(post):
    return (post.published_at, post.pk)


# Written out rather than built with the ORM: building and compiling it took longer than the rest of a
# cold post page's queries together (about 5 ms of 15, pyinstrument), and only its parameters change.
NEARBY_ROWS = Rows(
    Post,
    related=("category",),
    only=("title", "slug", "reading_time", "status", "published_at", "series", "series_order", "category"),
)
# The post a page shows, as stored, for the nearby posts' query to read: `which` picks its row from `t`.
# `latest` is the newest publish time an older neighbour can have: the post's own, or now for a post not
# live yet (NULL for a draft, which has no neighbours). One upper bound: given two, SQLite searched the
# index from the first and filtered its way down to the second, a step per newer post.
PAGE_POST = """WITH page AS (SELECT t.id, t.published_at, t.series_id, t.related_ranking,
    CASE WHEN t.published_at > %s THEN %s ELSE t.published_at END AS latest FROM blog_post t WHERE {which})"""


def _page_post(which, values):
    """(PAGE_POST for the row `which` picks, its values)."""
    now = timezone.now()
    return PAGE_POST.format(which=which), [now, now, *values]


# The ids of the page's ranked related posts, read from its JSON list of [id, score, time] entries. On
# Postgres, `= ANY(ARRAY(…))` is worked out once and then read through the primary key like the other
# branches: `IN (subquery)` inside the OR made it scan every post.
RANKED_IDS = {
    "postgresql": "t.id = ANY(ARRAY(SELECT (entry->>0)::bigint "
    "FROM page, jsonb_array_elements(page.related_ranking) entry))",
    "sqlite": "t.id IN (SELECT json_extract(entry.value, '$[0]') FROM page, json_each(page.related_ranking) entry)",
}
# The page's ranked related posts, its nearest older and newer live posts and its series' posts, live or
# not: the caller checks liveness on the few rows that come back, as a liveness filter around the OR
# would scan every live post. Each branch is one index lookup; `id = (scalar subquery)`, not `IN`, keeps
# it so on Postgres too. Ties on the publish time are broken by id, as the lists order them
# (post_status_published_id_idx).
NEARBY_POSTS = """WHERE t.id <> (SELECT id FROM page) AND ({ranked}
    OR t.id = (SELECT id FROM blog_post WHERE status = %s AND published_at <= (SELECT latest FROM page)
        AND NOT (published_at = (SELECT published_at FROM page) AND id >= (SELECT id FROM page))
        ORDER BY published_at DESC, id DESC LIMIT 1)
    OR t.id = (SELECT id FROM blog_post WHERE status = %s AND published_at <= %s
        AND published_at >= (SELECT published_at FROM page)
        AND NOT (published_at = (SELECT published_at FROM page) AND id <= (SELECT id FROM page))
        ORDER BY published_at, id LIMIT 1)
    OR t.series_id = (SELECT series_id FROM page))"""


def _nearby_tail():
    """(the WHERE over `t`, its values) that finds the nearby posts of PAGE_POST's post."""
    published = Post.Status.PUBLISHED
    return NEARBY_POSTS.format(ranked=RANKED_IDS[connection.vendor]), [published, published, timezone.now()]


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
