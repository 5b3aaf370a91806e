"""Every view answers only the methods it serves: reads everywhere, POST on forms, 405 for the rest."""

import pytest

from blog.tests.factories import make_post
from portfolio.tests.factories import make_profile
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "/",
    "/blog/",
    "/blog/archive/",
    "/blog/category/{category}/",
    "/blog/{post}/",
    "/blog/preview/bad-token/",
    "/tags/{tag}/",
    "/projects/",
    "/projects/{project}/",
    "/feeds/rss/",
    "/feeds/atom/",
    "/feeds/json/",
    "/feeds/tags/{tag}/",
    "/search/?q=raft",
    "/sitemap.xml",
    "/sitemap-posts.xml",
    "/robots.txt",
    "/llms.txt",
    "/healthz",
    "/favicon.ico",
    "/contact/sent/",
    "/contact/book/sent/",
]
FORMS = ["/contact/", "/contact/book/", "/contact/book/cancel/bad-token/"]
NEVER_SERVED = ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@pytest.fixture
def urls():
    make_profile()
    post = make_post("Raft", tags=["Consensus"])
    project = make_project("Store", tech=["Go"])
    names = {"category": post.category.slug, "post": post.slug, "tag": "consensus", "project": project.slug}
    return lambda template: template.format(**names)


@pytest.mark.parametrize("template", READ_ONLY)
def test_read_only_pages_answer_reads_and_refuse_everything_else(client, urls, template):
    url = urls(template)
    assert client.get(url).status_code in (200, 301, 404)  # 404: the made-up preview token
    assert client.head(url).status_code in (200, 301, 404)
    for method in ["POST", *NEVER_SERVED]:
        response = client.generic(method, url)
        assert response.status_code == 405, (method, url, response.status_code)
        assert "GET" in response["Allow"]


@pytest.mark.parametrize("template", FORMS)
def test_forms_answer_reads_and_posts_only(client, urls, template):
    url = urls(template)
    for method in NEVER_SERVED:
        response = client.generic(method, url)
        assert response.status_code == 405, (method, url, response.status_code)
        assert "POST" in response["Allow"]


def test_the_editor_endpoints_take_posts_only(admin_client):
    for url in ("/markdownx/upload/", "/markdownx/markdownify/"):
        assert admin_client.get(url).status_code == 405
