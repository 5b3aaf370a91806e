import re
import time
from datetime import UTC, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from blog.tests.factories import make_category, make_draft, make_post, make_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_user("owner", password="x", is_staff=True))
    return client


@pytest.fixture
def three_kinds():
    """One live, one draft and one scheduled post, sharing a category and a tag."""
    category = make_category("Systems", slug="systems")
    return {
        "live": make_post("Live post", category=category, tags=["Shared"]),
        "draft": make_draft("Draft post", category=category, tags=["Shared"]),
        "scheduled": make_post("Scheduled post", category=category, tags=["Shared"], published_at="future"),
    }


PUBLIC_LISTS = [
    reverse("blog:post_list"),
    reverse("blog:archive"),
    reverse("blog:category_detail", kwargs={"slug": "systems"}),
    reverse("tag_detail", kwargs={"slug": "shared"}),
    reverse("home"),
]


class TestPublishingRules:
    @pytest.mark.parametrize("url", PUBLIC_LISTS)
    def test_only_live_posts_appear_in_every_list(self, client, three_kinds, url):
        page = client.get(url).content.decode()
        assert "Live post" in page
        assert "Draft post" not in page
        assert "Scheduled post" not in page

    @pytest.mark.parametrize("kind", ["draft", "scheduled"])
    def test_drafts_and_scheduled_posts_are_not_found_by_the_public(self, client, three_kinds, kind):
        assert client.get(three_kinds[kind].get_absolute_url()).status_code == 404

    def test_a_live_post_is_public(self, client, three_kinds):
        response = client.get(three_kinds["live"].get_absolute_url())
        assert response.status_code == 200
        assert b'role="status"' not in response.content

    @pytest.mark.parametrize("kind,banner", [("draft", "Draft."), ("scheduled", "Scheduled.")])
    def test_staff_see_drafts_and_scheduled_posts_under_a_banner(self, staff_client, three_kinds, kind, banner):
        response = staff_client.get(three_kinds[kind].get_absolute_url())
        assert response.status_code == 200
        assert banner in response.content.decode()
        assert 'name="robots" content="noindex' in response.content.decode()
        assert "private" in response["Cache-Control"]

    def test_a_scheduled_post_appears_once_its_time_comes(self, client):
        post = make_post("Soon", published_at=timezone.now() + timedelta(minutes=5))
        assert client.get(post.get_absolute_url()).status_code == 404
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=6)):
            assert client.get(post.get_absolute_url()).status_code == 200
            assert "Soon" in client.get(reverse("blog:post_list")).content.decode()


class TestPostPage:
    def test_shows_title_category_dates_reading_time_and_hashtags(self, client):
        post = make_post(
            "Readable", tags=["AIInfrastructure", "Serverless"], reading_time_override=10, published_at=timezone.now()
        )
        page = client.get(post.get_absolute_url()).content.decode()
        assert '<h1 class="post-title">Readable</h1>' in page
        assert post.category.get_absolute_url() in page
        assert "10 min read" in page
        assert 'href="/tags/aiinfrastructure/">#AIInfrastructure</a>' in page
        assert "Published <time" in page
        assert "Updated" not in page

    def test_an_edit_on_a_later_day_shows_updated(self, client):
        post = make_post(published_at=timezone.now() - timedelta(days=3))
        assert "Updated <time" in client.get(post.get_absolute_url()).content.decode()

    def test_a_table_of_contents_appears_from_three_headings(self, client):
        two = make_post(body="## A\n\n## B\n")
        three = make_post(body="## A\n\n## B\n\n### C\n")
        assert 'class="toc"' not in client.get(two.get_absolute_url()).content.decode()
        page = client.get(three.get_absolute_url()).content.decode()
        assert 'class="toc"' in page and '<a href="#md-c">C</a>' in page

    def test_cover_image_is_shown_with_its_alt_text(self, client):
        post = make_post(cover_image="covers/2026/a.png", cover_alt="A cluster diagram")
        assert 'alt="A cluster diagram"' in client.get(post.get_absolute_url()).content.decode()

    def test_previous_and_next_follow_publication_order_among_live_posts(self, client):
        now = timezone.now()
        older = make_post("Older", published_at=now - timedelta(days=3))
        middle = make_post("Middle", published_at=now - timedelta(days=2))
        make_draft("Hidden draft")
        newer = make_post("Newer", published_at=now - timedelta(days=1))
        context = client.get(middle.get_absolute_url()).context
        assert context["previous_post"] == older
        assert context["next_post"] == newer

    def test_neighbours_are_the_adjacent_live_posts_in_the_lists_order(self, client, admin_client):
        """The post page's query writes the publishing rule in SQL: it must agree with published()."""
        now = timezone.now()
        make_post("Older", published_at=now - timedelta(days=5))
        for n in range(3):
            make_post(f"Tie {n}", published_at=now - timedelta(days=2))  # one moment: ordered by id
        make_draft("Draft")
        dated_draft = make_post("Dated draft", status=Post.Status.DRAFT, published_at=now - timedelta(days=3))
        make_post("Scheduled sooner", published_at=now + timedelta(hours=12))
        scheduled = make_post("Scheduled", published_at="future")
        make_post("Newest", published_at=now - timedelta(days=1))
        order = list(Post.objects.published().order_by("published_at", "pk"))
        for index, post in enumerate(order):
            context = client.get(post.get_absolute_url()).context
            assert context["previous_post"] == (order[index - 1] if index else None), post.title
            assert context["next_post"] == (order[index + 1] if index + 1 < len(order) else None), post.title
        # Staff viewing a scheduled post see the newest live post before it (not one scheduled sooner).
        context = admin_client.get(scheduled.get_absolute_url()).context
        assert (context["previous_post"], context["next_post"]) == (order[-1], None)
        # And on a draft with a date, the live posts either side of that date.
        context = admin_client.get(dated_draft.get_absolute_url()).context
        assert (context["previous_post"].title, context["next_post"].title) == ("Older", "Tie 0")

    def test_related_posts_share_the_most_tags_and_are_at_most_three(self, client):
        post = make_post(tags=["a", "b", "c"])
        best = make_post("Best", tags=["a", "b", "c"])
        good = make_post("Good", tags=["a", "b"])
        make_post("Some", tags=["a"])
        make_post("Also some", tags=["c"])
        make_post("Unrelated", tags=["z"])
        make_draft("Draft", tags=["a", "b", "c"])
        related = client.get(post.get_absolute_url()).context["related_posts"]
        assert len(related) == 3
        assert related[:2] == [best, good]

    def test_related_posts_leave_out_the_series_the_page_already_lists(self, client):
        series = make_series("Agents")
        part_one = make_post("Part 1", tags=["agents"], series=series, series_order=1)
        make_post("Part 2", tags=["agents"], series=series, series_order=2)
        outside = make_post("Outside the series", tags=["agents"])
        assert client.get(part_one.get_absolute_url()).context["related_posts"] == [outside]

    def test_series_navigation_says_which_part_this_is(self, client):
        series = make_series("Agents")
        parts = [make_post(f"Part {n}", series=series, series_order=n) for n in (1, 2, 3, 4)]
        page = client.get(parts[1].get_absolute_url()).content.decode()
        assert "Part 2 of 4" in page
        assert '<span aria-current="page">Part 2</span>' in page

    def test_a_missing_post_is_a_404(self, client):
        assert client.get("/blog/no-such-post/").status_code == 404


class TestSlugRedirects:
    def test_the_old_address_of_a_renamed_post_answers_301(self, client):
        post = make_post(slug="old-slug")
        post.slug = "new-slug"
        post.save()
        response = client.get("/blog/old-slug/")
        assert response.status_code == 301
        assert response["Location"] == "/blog/new-slug/"


class TestPreviewLinks:
    def test_a_valid_link_shows_a_draft_without_login_never_indexed_or_cached(self, client):
        post = make_draft("Secret draft")
        response = client.get(post.get_preview_url())
        assert response.status_code == 200
        assert "Secret draft" in response.content.decode()
        assert "Preview." in response.content.decode()
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert response["Cache-Control"] == "private, no-store"

    def test_an_expired_link_says_so(self, client):
        post = make_draft()
        with mock.patch("django.core.signing.time.time", return_value=time.time() - 8 * 86400):
            url = post.get_preview_url()
        response = client.get(url)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        assert response["Cache-Control"] == "private, no-store"

    def test_a_tampered_link_is_not_found(self, client):
        post = make_draft()
        url = post.get_preview_url()
        assert client.get(url.replace(":", "x", 1)).status_code == 404
        assert client.get(reverse("blog:post_preview", kwargs={"token": "garbage"})).status_code == 404

    def test_a_link_to_a_post_that_went_live_points_to_its_address(self, client):
        post = make_post()
        page = client.get(post.get_preview_url()).content.decode()
        assert "already public" in page and f'href="{post.get_absolute_url()}"' in page

    def test_a_link_to_a_deleted_post_is_not_found(self, client):
        post = make_draft()
        url = post.get_preview_url()
        post.delete()
        assert client.get(url).status_code == 404


class TestPagination:
    def test_ten_posts_fit_on_one_page(self, client):
        for _ in range(10):
            make_post()
        response = client.get(reverse("blog:post_list"))
        assert len(response.context["posts"]) == 10
        assert b'aria-label="Pages"' not in response.content

    def test_the_eleventh_post_goes_to_page_two(self, client):
        posts = [make_post() for _ in range(11)]
        first = client.get(reverse("blog:post_list"))
        assert b'rel="next"' in first.content and b"Page 1 of 2" in first.content
        second = client.get(reverse("blog:post_list") + "?page=2")
        assert list(second.context["posts"]) == [posts[-1]]  # the oldest
        assert b'rel="prev"' in second.content

    @pytest.mark.parametrize("page", ["abc", "99999", "0", "-1", "1.5", ""])
    def test_bad_page_numbers_are_a_404_never_an_error(self, client, page):
        make_post()
        response = client.get(reverse("blog:post_list") + f"?page={page}")
        assert response.status_code in (200, 404)
        if page not in ("",):
            assert response.status_code == 404

    @pytest.mark.parametrize(
        "url", ["/tags/shared/?page=abc", "/tags/shared/?page=99999", "/blog/category/systems/?page=9"]
    )
    def test_bad_page_numbers_on_other_lists_are_a_404(self, client, three_kinds, url):
        assert client.get(url).status_code == 404

    def test_the_last_page_keyword_works(self, client):
        for _ in range(11):
            make_post()
        assert client.get(reverse("blog:post_list") + "?page=last").status_code == 200


class TestOtherListings:
    def test_archive_shows_the_newest_year_by_month_and_links_every_year(self, client):
        make_post("March one", published_at=timezone.datetime(2025, 3, 2, tzinfo=UTC))
        make_post("March two", published_at=timezone.datetime(2025, 3, 20, tzinfo=UTC))
        make_post("May", published_at=timezone.datetime(2025, 5, 1, tzinfo=UTC))
        make_post("Jan", published_at=timezone.datetime(2024, 1, 5, tzinfo=UTC))
        make_post("Scheduled", published_at="future")
        make_draft("Draft")
        response = client.get(reverse("blog:archive"))
        assert response.context["years"] == [(2025, 3), (2024, 1)]
        assert response.context["year"] == 2025
        assert [[post.title for post in month["posts"]] for month in response.context["months"]] == [
            ["May"],
            ["March two", "March one"],
        ]
        html = response.content.decode()
        assert '<a href="?year=2025" aria-current="page">2025 <span class="archive-count">3' in html
        one_post = '<span class="archive-count">1<span class="visually-hidden"> post</span></span>'
        assert f'<a href="?year=2024">2024 {one_post}</a>' in html
        assert "Jan" not in [post.title for month in response.context["months"] for post in month["posts"]]

    def test_each_year_has_its_own_archive_page(self, client):
        make_post("New", published_at=timezone.datetime(2025, 3, 2, tzinfo=UTC))
        make_post("Old", published_at=timezone.datetime(2024, 12, 31, 12, tzinfo=UTC))
        response = client.get(reverse("blog:archive"), {"year": "2024"})
        assert [[post.title for post in month["posts"]] for month in response.context["months"]] == [["Old"]]
        assert "<title>Archive 2024 · Writing" in response.content.decode()

    @pytest.mark.parametrize("year", ["2023", "abc", "٢٠٢٥", "99999999999999999999", "", "2025x"])
    def test_a_year_without_posts_or_no_year_at_all_is_a_404(self, client, year):
        make_post(published_at=timezone.datetime(2025, 3, 2, tzinfo=UTC))
        assert client.get(reverse("blog:archive"), {"year": year}).status_code == 404

    def test_archive_years_and_months_are_the_site_time_zones(self, client, settings):
        settings.TIME_ZONE = "America/Toronto"
        # 03:00 on 1 January in UTC is still New Year's Eve in Toronto.
        make_post("Eve", published_at=timezone.datetime(2025, 1, 1, 3, tzinfo=UTC))
        make_post("Later", published_at=timezone.datetime(2025, 6, 1, tzinfo=UTC))
        assert client.get(reverse("blog:archive")).context["years"] == [(2025, 1), (2024, 1)]
        months = client.get(reverse("blog:archive"), {"year": "2024"}).context["months"]
        assert [(month["date"].month, [post.title for post in month["posts"]]) for month in months] == [(1, ["Eve"])]

    def test_an_empty_archive_says_so(self, client):
        response = client.get(reverse("blog:archive"))
        assert response.status_code == 200
        assert "Nothing published yet." in response.content.decode()

    def test_unknown_category_or_tag_is_a_404(self, client):
        assert client.get("/blog/category/nope/").status_code == 404
        assert client.get("/tags/nope/").status_code == 404

    def test_home_shows_the_three_most_recent_live_posts_in_the_seed_style(self, client):
        now = timezone.now()
        for days in range(5):
            make_post(f"Post {days} days old", tags=["AIInfrastructure"], published_at=now - timedelta(days=days + 1))
        make_draft("Unfinished")
        response = client.get(reverse("home"))
        page = response.content.decode()
        assert [p.title for p in response.context["recent_posts"]] == [
            "Post 0 days old",
            "Post 1 days old",
            "Post 2 days old",
        ]
        assert "#AIInfrastructure</a><span>1 min read</span>" in page


def test_a_body_with_the_pages_own_ids_leaves_each_id_once_on_the_page(client):
    body = '<div id="main">x</div>\n\n## Toc title\n\n## Related title\n\n### Series nav\n\n[top](#main)'
    post = make_post(body=body)
    page = client.get(post.get_absolute_url()).content.decode()
    assert page.count('id="main"') == 1
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(ids)
    # The body's own links still reach the body's own headings and blocks.
    for target in re.findall(r'href="#(md-[^"]+)"', page):
        assert f'id="{target}"' in page
