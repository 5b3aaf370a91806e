import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portfolio.models import SiteProfile, SocialLink
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db


def test_the_first_profile_takes_the_single_row():
    profile = make_profile()
    assert profile.pk == 1
    assert SiteProfile.load() == profile


def test_the_database_refuses_a_second_profile():
    make_profile()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_profile(owner_name="Impostor")
    assert SiteProfile.objects.count() == 1


def test_the_constraint_holds_even_when_save_is_bypassed():
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteProfile.objects.bulk_create([SiteProfile(id=2, owner_name="x", headline="x", intro="x")])


def test_load_returns_none_before_the_profile_exists():
    assert SiteProfile.load() is None


@pytest.mark.parametrize(
    "url", ["https://github.com/ada", "http://example.com/x", "mailto:ada@example.com", "/contact/book/"]
)
def test_social_links_accept_web_mail_and_site_links(url):
    SocialLink(label="x", url=url, kind=SocialLink.Kind.OTHER).full_clean()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "//evil.example/x",
        "/\\evil.example/x",
        "ftp://example.com",
        "mailto:not-an-email",
    ],
)
def test_social_links_refuse_scripts_and_odd_schemes(url):
    with pytest.raises(ValidationError) as error:
        SocialLink(label="x", url=url, kind=SocialLink.Kind.OTHER).full_clean()
    assert "url" in error.value.message_dict


def test_an_email_link_must_be_a_mailto_address():
    with pytest.raises(ValidationError) as error:
        SocialLink(label="Mail", url="https://example.com", kind=SocialLink.Kind.EMAIL).full_clean()
    assert "mailto:" in error.value.message_dict["url"][0]


@pytest.mark.parametrize(
    "url",
    [
        "/\t/evil.example/",  # browsers drop the tab and go to //evil.example/
        "/\n/evil.example/",
        "/\r\n/evil.example/x",
        " //evil.example/",
        "\x01/\t/evil.example/",
        "java\tscript:alert(1)",
        "\x00javascript:alert(1)",
        "/\t\\evil.example/",
    ],
)
def test_links_are_checked_as_the_browser_reads_them(url):
    with pytest.raises(ValidationError) as error:
        SocialLink(label="x", url=url, kind=SocialLink.Kind.OTHER).full_clean()
    assert "url" in error.value.message_dict


@pytest.mark.parametrize("url", ["/contact/\tbook/", " https://github.com/ada", "https://github.com/ada\n"])
def test_harmless_links_with_stray_whitespace_are_refused_with_a_clear_message(url):
    with pytest.raises(ValidationError) as error:
        SocialLink(label="x", url=url, kind=SocialLink.Kind.OTHER).full_clean()
    assert error.value.message_dict["url"] == [
        "Remove the spaces, tabs or line breaks in the address: browsers drop them."
    ]


def test_browser_url_strips_like_the_whatwg_url_parser():
    from portfolio.models import browser_url

    assert browser_url("\x00 \x1f/a\tb\nc\rd \x01") == "/abcd"
    assert browser_url("/\t/evil.example/") == "//evil.example/"


@pytest.mark.parametrize(
    "url", ["https://\t/evil.example/", "https://exa\nmple.com/", " https://example.com", "\x01http://x.io"]
)
def test_web_urls_with_tabs_newlines_or_leading_controls_are_refused(url):
    # Django's URLValidator already refuses what the browser would strip, so web_url needs no normalising.
    from portfolio.models import web_url

    with pytest.raises(ValidationError):
        web_url(url)
