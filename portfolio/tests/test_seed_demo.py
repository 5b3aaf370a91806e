import pytest
from django.core.management import call_command

from portfolio.models import FocusArea, SiteProfile, SocialLink
from portfolio.seed import load_seed

pytestmark = pytest.mark.django_db


def row_counts():
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for app in ("portfolio", "blog", "projects", "contact", "taggit")
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_loads_the_owners_home_page_content():
    call_command("seed_demo", verbosity=0)
    profile = SiteProfile.load()
    assert profile.headline == "Building systems that scale and agents that reason"
    assert profile.intro.startswith("I design highly scalable applications")
    assert list(FocusArea.objects.values_list("title", flat=True)) == [
        "Scalable Systems",
        "Agentic Applications",
        "Agentic Microservices",
        "Distributed Computation",
        "Distributed Storage",
    ]
    assert set(SocialLink.objects.values_list("kind", flat=True)) == {"github", "linkedin", "notebooklm", "booking"}


def test_seeding_twice_leaves_the_same_rows():
    call_command("seed_demo", verbosity=0)
    first = row_counts()
    call_command("seed_demo", verbosity=0)
    assert row_counts() == first


def test_seeding_again_keeps_the_owners_edits():
    call_command("seed_demo", verbosity=0)
    SiteProfile.objects.filter(pk=1).update(headline="My own headline")
    area = FocusArea.objects.get(title="Distributed Storage")
    area.title, area.description = "Storage Engines", "My words."
    area.save()
    SocialLink.objects.filter(kind="linkedin").delete()

    call_command("seed_demo", verbosity=0)

    assert SiteProfile.load().headline == "My own headline"
    assert FocusArea.objects.get(pk=area.pk).description == "My words."
    assert not FocusArea.objects.filter(title="Distributed Storage").exists()
    assert FocusArea.objects.count() == 5


def test_the_seed_file_parses_into_every_section():
    content = load_seed()
    assert len(content.focus_areas) == 5
    assert [title for _, title, _ in content.projects] == ["UI-Navigator Agent", "ResumeSnap", "Gandom Bakery Platform"]
    assert [post.reading_minutes for post in content.posts] == [10, 5]
    assert content.posts[1].tags == ["AIInfrastructure", "LLMOptimization", "SystemArchitecture"]
    assert "Serverless" in content.posts[0].tags and "#Serverless" not in content.posts[0].body
    assert content.connect_text.startswith("Interested in distributed systems")
