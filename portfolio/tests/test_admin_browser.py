"""The owner's admin in headless Chromium: lists fit a laptop screen."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from blog.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner_page(live_server, page):
    call_command("seed_demo", verbosity=0)
    # The longest real-world title the list must cope with, scheduled so every status shows.
    post = Post.objects.first()
    post.title = "Agents as Distributed Systems, Part 2: Idempotent Tool Calls and Exactly-Once Side Effects"
    post.published_at = timezone.now() + timedelta(days=2)
    post.save()
    User.objects.create_superuser("owner", "owner@example.com", "a-long-test-password")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    return page


@pytest.mark.parametrize("changelist", ["blog/post", "projects/project", "taggit/tag", "blog/category"])
def test_admin_lists_fit_a_1280_pixel_screen(owner_page, live_server, screenshot, changelist):
    owner_page.goto(f"{live_server.url}/admin/{changelist}/")
    width = owner_page.evaluate("document.documentElement.scrollWidth")
    screenshot(f"admin-{changelist.replace('/', '-')}-1280")
    assert width <= 1280, f"{changelist} is {width} px wide"
