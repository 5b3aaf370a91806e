import pytest
from django.urls import reverse

from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:projects_project_changelist")
ADD = reverse("admin:projects_project_add")


def test_changelist_offers_order_and_featured_edits_and_status_and_tech_filters(admin_client):
    make_project("Agent", tech=["LangGraph"])
    response = admin_client.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="form-0-order"' in html and 'name="form-0-featured"' in html
    assert "?state=live" in html
    assert "?tech__id__exact=" in html
    assert admin_client.get(CHANGELIST, {"q": "Agent"}).context["cl"].result_count == 1


def test_add_form_uses_the_markdown_editor_with_preview(admin_client):
    html = admin_client.get(ADD).content.decode()
    assert "markdownx" in html
    assert reverse("markdownx_markdownify") in html and reverse("markdownx_upload") in html


def add_form_data(**overrides):
    return {
        "title": "UI-Navigator Agent",
        "slug": "ui-navigator-agent",
        "summary": "An agent.",
        "tech": "LangGraph, LLM",
        "status": "published",
        "order": "0",
        "body": "## Why\n\nBecause.",
        "repo_url": "https://github.com/owner/nav",
        "demo_url": "",
        "cover_alt": "",
        **overrides,
    }


def test_admin_saves_a_project_and_renders_its_case_study(admin_client):
    response = admin_client.post(ADD, add_form_data())
    assert response.status_code == 302
    project = Project.objects.get(slug="ui-navigator-agent")
    assert "<h2" in project.body_html
    assert sorted(tag.name for tag in project.tech.all()) == ["LLM", "LangGraph"]


def test_admin_refuses_a_javascript_demo_url_with_a_clear_message(admin_client):
    response = admin_client.post(ADD, add_form_data(demo_url="javascript:alert(document.cookie)"))
    assert response.status_code == 200
    assert "Enter a full http:// or https:// address." in str(response.context["adminform"].form.errors["demo_url"])
    assert not Project.objects.exists()


def test_publish_and_unpublish_actions_change_status(admin_client):
    project = make_project(status=Project.Status.DRAFT)
    admin_client.post(CHANGELIST, {"action": "publish_now", "_selected_action": [project.pk]})
    project.refresh_from_db()
    assert project.status == Project.Status.PUBLISHED
    admin_client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [project.pk]})
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT
