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
