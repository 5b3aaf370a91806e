import pytest
from django.core.management import call_command

from portfolio.rows import fetch_together
from portfolio.seed import load_seed
from projects.models import Project, featured_projects_part
from projects.seed import seed_projects

pytestmark = pytest.mark.django_db


def test_seed_adds_the_three_projects_featured_in_the_seeds_order_with_their_tech():
    assert seed_projects(load_seed()) == {"projects": 3}
    (projects,) = fetch_together([featured_projects_part()])
    assert [p.title for p in projects] == ["UI-Navigator Agent", "ResumeSnap", "Gandom Bakery Platform"]
    assert [tag.name for tag in projects[0].tech.all()] == ["Agentic AI", "LangGraph", "Browser Automation", "LLM"]
    assert [tag.name for tag in projects[1].tech.all()] == ["NLP", "SpaCy", "Gemini", "FastAPI", "Azure"]
    assert [tag.name for tag in projects[2].tech.all()] == ["Next.js", "Stripe", "Real-time", "E-commerce"]
    assert projects[1].summary.startswith("Career intelligence platform with a companion browser extension.")
    assert all(p.repo_url == "" and p.demo_url == "" for p in projects)


def test_seed_is_idempotent_and_never_overwrites_the_owners_edits():
    seed_projects(load_seed())
    Project.objects.filter(slug="resumesnap").update(summary="My own words.", featured=False)
    Project.objects.filter(slug="gandom-bakery-platform").delete()
    assert seed_projects(load_seed()) == {"projects": 1}
    assert Project.objects.get(slug="resumesnap").summary == "My own words."
    assert Project.objects.count() == 3


def test_seed_demo_command_includes_the_projects(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Project.objects.count() == 3
    assert "0 projects" in capsys.readouterr().out
