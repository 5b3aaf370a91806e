"""/projects/<slug>.md: a published project's case study as Markdown, with front matter."""

import pytest
import yaml

from projects.models import Project
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_a_published_project_has_a_markdown_twin(client, settings):
    settings.SITE_URL = "https://ada.example"
    project = make_project(
        "Tyche", slug="tyche", body="## How\n\nPre-loads models.", repo_url="https://github.com/ada/tyche"
    )
    project.tech.add("Python", "Kubernetes")

    response = client.get("/projects/tyche.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == "Tyche"
    assert sorted(front["tags"]) == ["Kubernetes", "Python"]
    assert front["repository"] == "https://github.com/ada/tyche"
    assert front["canonical"] == "https://ada.example/projects/tyche/"
    assert text.endswith("\n---\n\n## How\n\nPre-loads models.\n")
    page = client.get(project.get_absolute_url()).content.decode()
    assert 'type="text/markdown"' in page and 'href="/projects/tyche.md"' in page


def test_a_draft_project_has_no_twin(client):
    make_project("Secret", slug="secret", status=Project.Status.DRAFT)
    assert client.get("/projects/secret.md").status_code == 404


def test_a_case_study_too_slow_to_render_is_refused_by_validation():
    from django.core.exceptions import ValidationError

    project = make_project("Heavy", slug="heavy")
    project.body = "```\nx\n```\n" * 300
    with pytest.raises(ValidationError, match="code blocks"):
        project.full_clean()
