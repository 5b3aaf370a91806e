"""The site's chrome (head links, header, footer) is rendered once per content version and reused, and
stays right: per nav section, per year, and after any edit."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.tests.factories import make_post
from portfolio.cache import forget_local_state
from portfolio.models import FocusArea, SiteProfile, SocialLink
from portfolio.templatetags import fragments
from portfolio.tests.factories import make_focus_area, make_profile, make_social_link
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

NONCE = re.compile(r' nonce="[^"]*"')  # new on every response


@pytest.fixture(autouse=True)
def cold_pages(settings):
    settings.PAGE_CACHE_SECONDS = 0  # every page rendered, so only the fragments are reused


def current_nav_link(html):
    return html.split('aria-current="page"')[0].rsplit("<a ", 1)[1]


def test_each_section_keeps_its_own_header(client):
    make_post("Post")
    make_project("Project")
    assert "/blog/" in current_nav_link(client.get("/blog/").text)
    assert "/projects/" in current_nav_link(client.get("/projects/").text)
    assert "/blog/" in current_nav_link(client.get("/blog/").text)


def test_an_edit_shows_in_the_header_and_footer_at_once(client):
    make_profile(owner_name="Ada Example")
    assert client.get("/blog/").text.count("Ada Example") >= 2
    profile = SiteProfile.load()
    profile.owner_name = "Grace Example"
    profile.save()
    html = client.get("/blog/").text
    assert "Ada Example" not in html
    assert html.count("Grace Example") >= 2


def test_the_footer_follows_the_year(client):
    make_profile()
    assert f"© {timezone.now().year}" in client.get("/blog/").text
    next_year = timezone.now().replace(month=1, day=1) + timedelta(days=400)
    # `{% now %}` reads datetime.now() itself.
    with mock.patch("django.template.defaulttags.datetime", mock.Mock(now=mock.Mock(return_value=next_year))):
        assert f"© {next_year.year}" in client.get("/blog/").text


class Counter:
    def __init__(self):
        self.count = -1

    def next(self):
        self.count += 1
        return self.count


def test_the_chrome_is_rendered_once_per_version():
    template = Template('{% load fragments %}{% per_version "test" section %}{{ counter.next }}{% endper_version %}')
    counter = Counter()
    assert template.render(Context({"counter": counter, "section": "a"})) == "0"
    assert template.render(Context({"counter": counter, "section": "a"})) == "0"
    assert template.render(Context({"counter": counter, "section": "b"})) == "1"
    make_post("A write")
    assert template.render(Context({"counter": counter, "section": "a"})) == "2"


def test_the_fragments_are_bounded(monkeypatch):
    monkeypatch.setattr(fragments, "MAX_FRAGMENTS", 3)
    template = Template('{% load fragments %}{% per_version "test" value %}{{ value }}{% endper_version %}')
    for value in range(10):
        assert template.render(Context({"value": value})) == str(value)
    assert len(fragments._fragments()) <= 3


def test_a_post_page_asks_nothing_about_build_logs_once_they_are_known(client):
    first, second = make_post("First"), make_post("Second")
    project = make_project("Raft Store")
    project.related_posts.add(first, second)
    assert "Raft Store" in client.get(first.get_absolute_url()).text
    with CaptureQueriesContext(connection) as queries:
        html = client.get(second.get_absolute_url()).text
    assert "Part of the build log of" in html and "Raft Store" in html
    assert not [query for query in queries if "projects_project" in query["sql"]]


@pytest.mark.parametrize("name", ["github", "rss", "search", "arrow", "no-such-icon"])
def test_an_icon_is_the_icon_template_rendered_once(name, settings):
    drawn = render_to_string("includes/icon.html", {"name": name})
    tag = Template("{% load icons %}{% icon name %}")
    assert tag.render(Context({"name": name})) == drawn
    with mock.patch("portfolio.templatetags.icons.render_to_string") as render:
        assert tag.render(Context({"name": name})) == drawn
    render.assert_not_called()
    settings.DEBUG = True  # while developing, the template is read every time
    with mock.patch("portfolio.templatetags.icons.render_to_string", return_value="edited") as render:
        assert tag.render(Context({"name": name})) == "edited"


HOME_CHROME_CHANGES = {
    "headline": (lambda: update(SiteProfile.load(), headline="Queues, mostly"), "Queues, mostly"),
    "intro": (lambda: update(SiteProfile.load(), intro="I tune queues."), "I tune queues."),
    "connect text": (lambda: update(SiteProfile.load(), connect_text="Write any time."), "Write any time."),
    "a link's label": (lambda: SocialLink.objects.filter(label="GitHub").update(label="Code"), "<span>Code</span>"),
    "a booking link added": (
        lambda: make_social_link("Book a call", "https://cal.example.com/ada", kind=SocialLink.Kind.BOOKING),
        "Book a call",
    ),
    "a focus area renamed": (lambda: FocusArea.objects.update(title="Stream Processing"), "Stream Processing"),
    "a focus area added": (lambda: make_focus_area("Agentic Applications", order=9), "Agentic Applications"),
    "a focus area hidden": (lambda: FocusArea.objects.update(is_visible=False), None),
}


def update(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


@pytest.mark.parametrize("change", HOME_CHROME_CHANGES, ids=str)
def test_the_home_pages_profile_sections_follow_every_edit(client, change):
    """The hero, focus areas and Connect are rendered once per content version: an edit shows at once."""
    make_profile()
    make_social_link()
    make_focus_area("Distributed Storage")
    assert "Distributed Storage" in client.get("/").text
    make_change, shown = HOME_CHROME_CHANGES[change]
    make_change()
    html = client.get("/").text
    forget_local_state()
    assert NONCE.sub("", html) == NONCE.sub("", client.get("/").text)  # as if nothing were remembered
    if shown:
        assert shown in html
