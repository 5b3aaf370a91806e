"""Project case studies get the post editor (blog/editor.py): its server side."""

import json

import pytest
from django.urls import reverse

from blog import models
from blog.editor import publishing_state
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_a_project_reads_draft_or_live_in_words():
    assert publishing_state(make_project(status="draft")) == "Draft"
    assert publishing_state(make_project()).startswith("Live since ")


def test_the_case_study_editor_carries_the_reading_time_constants_from_python(admin_client):
    page = admin_client.get(reverse("admin:projects_project_add")).content.decode()
    start = page.index('data-reading-time="') + len('data-reading-time="')
    constants = json.loads(page[start : page.index('"', start)].replace("&quot;", '"'))
    assert constants["wordsPerMinute"] == models.WORDS_PER_MINUTE
    assert 'data-writing-editor=""' in page and "js/admin-post.js" in page
    assert "nav-sidebar" not in page and ">Publish at:</label>" in page
