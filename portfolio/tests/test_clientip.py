"""The client's address and scheme come only from trusted proxies (finding 12)."""

import pytest
from django.test import RequestFactory

from portfolio.clientip import client_ip

CHAIN = "6.6.6.6, 203.0.113.7, 10.0.0.3"  # forged by the client, the client, an inner proxy


def request_from(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_HOPS = [], 0
    assert client_ip(request_from("198.51.100.1", CHAIN)) == "198.51.100.1"


@pytest.mark.parametrize(
    "hops, forwarded, expected",
    [
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # one proxy: the entry it appended
        (2, CHAIN, "203.0.113.7"),  # two proxies: one further left
        (1, None, "10.0.0.2"),  # nothing forwarded: the peer itself
        (3, "203.0.113.7", "203.0.113.7"),  # a shorter chain than configured: the left-most entry
    ],
)
def test_a_number_of_hops_counts_from_the_right(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_HOPS = [], hops
    assert client_ip(request_from("10.0.0.2", forwarded)) == expected


def test_a_list_of_proxies_skips_only_those_addresses(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_HOPS = ["10.0.0.0/24", "192.0.2.1"], 0
    assert client_ip(request_from("192.0.2.1", CHAIN)) == "203.0.113.7"
    # A peer that is not our proxy: whatever it forwards is ignored.
    assert client_ip(request_from("198.51.100.1", CHAIN)) == "198.51.100.1"
    # Garbage in the header is never a trusted proxy, so it stops the walk rather than being skipped.
    assert client_ip(request_from("192.0.2.1", "203.0.113.7, not-an-ip")) == "not-an-ip"


@pytest.mark.django_db
def test_a_client_cannot_claim_https_itself(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_HOPS = ["10.0.0.254"], 0
    direct = client.get("/blog/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="198.51.100.1")
    assert direct.status_code == 301 and direct["Location"].startswith("https://")
    through_proxy = client.get("/blog/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.254")
    assert through_proxy.status_code == 200


@pytest.mark.django_db
def test_the_nearest_proxys_scheme_wins_over_one_the_client_sent(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_HOPS = [], 1
    # The client sent "https" over plain HTTP; a proxy that appends rather than replaces adds "http".
    response = client.get("/blog/", HTTP_X_FORWARDED_PROTO="https, http")
    assert response.status_code == 301
