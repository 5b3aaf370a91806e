import time

import pytest
from django.urls import reverse

from portfolio.cache import content_version
from portfolio.models import FocusArea
from portfolio.tests.factories import make_focus_area, make_profile, make_social_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    profile = make_profile()
    areas = [make_focus_area(title, order=i) for i, title in enumerate(["Scalable Systems", "Distributed Storage"])]
    make_social_link("GitHub", "https://github.com/ada", "github", order=0)
    make_social_link("Book a quick intro call", "/contact/book/", "booking", order=1)
    return profile, areas


def test_home_shows_the_profile_focus_areas_and_links(client, site):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and html.count("<h1") == 1
    assert "Building systems that scale" in html
    assert "I build distributed things." in html
    assert "Scalable Systems" in html and "About Distributed Storage." in html
    assert 'href="https://github.com/ada"' in html
    assert 'href="/contact/book/"' in html
    assert reverse("contact:contact_form") in html


def test_hidden_focus_areas_and_links_stay_off_the_page(client, site):
    FocusArea.objects.filter(title="Scalable Systems").update(is_visible=False)
    make_social_link("Secret", "https://example.com/secret", "other", is_visible=False)
    html = client.get("/").content.decode()
    assert "Scalable Systems" not in html
    assert "example.com/secret" not in html


def test_focus_areas_follow_the_owners_order_then_age(client, site):
    FocusArea.objects.filter(title="Scalable Systems").update(order=5)
    make_focus_area("Agentic Applications", order=5)  # the same place: the older one first
    html = client.get("/").content.decode()
    assert html.index("Distributed Storage") < html.index("Scalable Systems") < html.index("Agentic Applications")


def test_an_edit_in_the_admin_shows_on_the_home_page_at_once(admin_client, client, site):
    area = site[1][0]
    assert "Scalable Systems" in client.get("/").content.decode()  # now cached for visitors
    response = admin_client.post(
        reverse("admin:portfolio_focusarea_change", args=[area.pk]),
        {"title": "Elastic Systems", "description": "Grows and shrinks.", "order": 0, "is_visible": "on"},
    )
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Elastic Systems" in html and "Grows and shrinks." in html
    assert "Scalable Systems" not in html


def test_hiding_through_the_admin_action_clears_the_cached_page(admin_client, client, site):
    area = site[1][0]
    client.get("/")
    admin_client.post(
        reverse("admin:portfolio_focusarea_changelist"),
        {"action": "hide_selected", "_selected_action": [area.pk]},
    )
    assert area.title not in client.get("/").content.decode()


def test_home_works_before_any_content_exists(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"<h1" in response.content


def test_visitors_get_a_cacheable_page_with_validators(client, site):
    response = client.get("/")
    assert "public" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]  # revalidate, so admin edits show on the next visit
    assert response.has_header("Last-Modified")
    assert response.has_header("ETag")
    again = client.get("/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_staff_always_get_a_fresh_private_page(admin_client, site):
    response = admin_client.get("/")
    assert "private" in response["Cache-Control"]


def test_home_costs_a_fixed_number_of_queries(client, site, django_assert_max_num_queries):
    for i in range(30):
        make_focus_area(f"Area {i}", order=10 + i)
        make_social_link(f"Link {i}", f"https://example.com/{i}", "other", order=10 + i)
    # A transactional test before this one may have flushed the version row: made again here, not counted.
    content_version()
    # The content (profile, links, focus areas, featured projects and their tech), plus the page
    # cache's own bookkeeping on a miss (about five queries with the database cache), plus, on the first
    # miss after a write, when the next scheduled post and project go live.
    with django_assert_max_num_queries(14):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(2):  # a hit: version and page
        assert client.get("/").status_code == 200


def test_last_modified_never_runs_ahead_of_the_clock_after_many_saves(client, site):
    from django.utils.http import parse_http_date

    for i in range(30):
        make_focus_area(f"Burst {i}")
    response = client.get("/")
    assert parse_http_date(response["Last-Modified"]) <= time.time()
