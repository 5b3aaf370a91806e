import pytest
from django.core.management import call_command
from django.urls import reverse

from portfolio.models import SiteProfile, SocialLink
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db


def test_the_owner_cannot_add_a_second_profile(admin_client):
    make_profile()
    assert admin_client.get(reverse("admin:portfolio_siteprofile_add")).status_code == 403


def test_the_owner_can_add_the_profile_when_there_is_none(admin_client):
    assert admin_client.get(reverse("admin:portfolio_siteprofile_add")).status_code == 200


def test_the_owner_cannot_delete_the_profile(admin_client):
    profile = make_profile()
    assert admin_client.get(reverse("admin:portfolio_siteprofile_delete", args=[profile.pk])).status_code == 403
    assert SiteProfile.objects.count() == 1


def test_the_profile_list_opens_the_profile_itself(admin_client):
    profile = make_profile()
    response = admin_client.get(reverse("admin:portfolio_siteprofile_changelist"))
    assert response.status_code == 302
    assert response.url == reverse("admin:portfolio_siteprofile_change", args=[profile.pk])


def test_editing_the_profile_changes_the_hero(admin_client, client):
    profile = make_profile()
    data = {
        "owner_name": profile.owner_name,
        "headline": "A brand new headline",
        "intro": profile.intro,
        "tagline": "",
        "connect_text": "",
        "contact_email": "me@example.com",
        "acknowledge_visitors": "on",
        "avatar_alt": "",
        "meta_description": "x",
    }
    response = admin_client.post(reverse("admin:portfolio_siteprofile_change", args=[profile.pk]), data)
    assert response.status_code == 302
    assert "A brand new headline" in client.get("/").content.decode()


def test_the_admin_refuses_a_javascript_link_with_a_message(admin_client):
    response = admin_client.post(
        reverse("admin:portfolio_sociallink_add"),
        {"label": "Evil", "url": "javascript:alert(1)", "kind": "other", "order": 0, "is_visible": "on"},
    )
    assert response.status_code == 200
    assert "Enter a full http:// or https:// address." in response.content.decode()
    assert not SocialLink.objects.exists()


def test_the_owner_reorders_links_from_the_list(admin_client, client):
    call_command("seed_demo", verbosity=0)
    # The seed's links point at the platforms' home pages, which the site hides; the owner's own are shown.
    SocialLink.objects.filter(label="GitHub").update(url="https://github.com/ada")
    SocialLink.objects.filter(label="LinkedIn").update(url="https://www.linkedin.com/in/ada")
    links = list(SocialLink.objects.all())
    data = {
        "form-TOTAL_FORMS": len(links),
        "form-INITIAL_FORMS": len(links),
        "_save": "Save",
    }
    for i, link in enumerate(reversed(links)):
        data |= {f"form-{i}-id": link.pk, f"form-{i}-order": i, f"form-{i}-is_visible": "on"}
    response = admin_client.post(reverse("admin:portfolio_sociallink_changelist"), data)
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert html.index('href="https://www.linkedin.com/in/ada"') < html.index('href="https://github.com/ada"')


def test_every_admin_page_for_the_site_opens(admin_client):
    call_command("seed_demo", verbosity=0)
    for name in ("focusarea", "sociallink"):
        assert admin_client.get(reverse(f"admin:portfolio_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:portfolio_{name}_add")).status_code == 200
    assert admin_client.get(reverse("admin:portfolio_siteprofile_change", args=[1])).status_code == 200
