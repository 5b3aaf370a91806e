"""The Content-Security-Policy header: django-csp's policy from the settings, built once per process
(portfolio.middleware.CSPMiddleware), with each response's own nonce."""

import re

import pytest
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from blog.tests.factories import make_post
from portfolio.middleware import CSPMiddleware

pytestmark = pytest.mark.django_db


def nonce_of(response):
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]


def test_a_page_gets_django_csps_policy_with_its_own_nonce(client, settings):
    settings.PAGE_CACHE_SECONDS = 0  # two renders, two nonces
    post = make_post()
    first, second = client.get(post.get_absolute_url()), client.get(post.get_absolute_url())

    assert nonce_of(first) != nonce_of(second)
    for response in (first, second):
        assert response["Content-Security-Policy"] == build_policy(nonce=nonce_of(response))
        assert f'nonce="{nonce_of(response)}"' in response.content.decode()


def test_a_response_that_used_no_nonce_gets_the_policy_without_one(client):
    make_post()
    client.get("/blog/")  # a page with a nonce first: the policy kept for it must not leak
    response = client.get("/robots.txt")
    assert response["Content-Security-Policy"] == build_policy()
    assert "nonce-" not in response["Content-Security-Policy"]


def test_a_changed_setting_changes_the_policy(client, settings):
    client.get("/robots.txt")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://img.example"]}}
    assert "https://img.example" in client.get("/robots.txt")["Content-Security-Policy"]


def respond(response):
    request = RequestFactory().get("/somewhere/")
    middleware = CSPMiddleware(lambda request: response)
    middleware.process_request(request)
    return middleware.process_response(request, response)


def test_a_views_own_policy_and_exemption_are_kept():
    updated = HttpResponse()
    updated._csp_update = {"img-src": ["https://img.example"]}
    assert "https://img.example" in respond(updated)["Content-Security-Policy"]

    exempt = HttpResponse()
    exempt._csp_exempt = True
    assert "Content-Security-Policy" not in respond(exempt)


def test_a_header_the_view_set_is_left_alone():
    response = HttpResponse()
    response["Content-Security-Policy"] = "default-src 'none'"
    assert respond(response)["Content-Security-Policy"] == "default-src 'none'"


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    request = RequestFactory().get("/somewhere/")
    middleware = CSPMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    middleware.process_response(request, HttpResponse())
    with pytest.raises(Exception, match="after the CSP header has been written"):
        str(request.csp_nonce)


def test_an_excluded_prefix_gets_no_header(settings):
    settings.CONTENT_SECURITY_POLICY = {"EXCLUDE_URL_PREFIXES": ["/some"], "DIRECTIVES": {"default-src": ["'self'"]}}
    assert "Content-Security-Policy" not in respond(HttpResponse())
