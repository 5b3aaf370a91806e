"""The page-weight budget: home and a post stay under 60 KB transferred, the web font included.

What a first visit downloads before the page is usable: the HTML and every stylesheet, script and
preloaded font it names, each counted compressed as it is served (gzip for text; woff2 is already
compressed). Images load lazily and are outside the budget.
"""

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from blog.models import Post

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 60 * 1024
FONT_PRELOAD = re.compile(r'<link rel="preload" href="/static/([^"]+\.woff2)" as="font" type="font/woff2" crossorigin>')
ASSET = re.compile(r'<(?:link[^>]+rel="(?:stylesheet|preload)"[^>]+href|script[^>]+src)="/static/([^"]+)"')


def transferred_bytes(client, url):
    html = client.get(url).content
    sizes = {url: len(gzip.compress(html))}
    for path in ASSET.findall(html.decode()):
        data = Path(finders.find(path)).read_bytes()
        sizes[path] = len(data) if path.endswith(".woff2") else len(gzip.compress(data))
    return sizes


@pytest.mark.parametrize("page", ["home", "post"])
def test_home_and_a_post_stay_under_60_kb_with_the_font(client, page):
    call_command("seed_demo", verbosity=0)
    url = "/" if page == "home" else Post.objects.exclude(citation=None).get().get_absolute_url()
    sizes = transferred_bytes(client, url)
    assert any(path.endswith(".woff2") for path in sizes), "the font is counted"
    assert sum(sizes.values()) <= BUDGET_BYTES, sizes


def test_the_web_font_is_at_most_60_kb_and_preloaded(client):
    call_command("seed_demo", verbosity=0)
    html = client.get("/").content.decode()
    preload = re.search(FONT_PRELOAD, html)
    assert preload
    assert len(Path(finders.find(preload[1])).read_bytes()) <= 60 * 1024
