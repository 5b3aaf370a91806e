import pytest
from django.core.management import call_command

from blog.models import Post, Series
from blog.seed import markdown_body, seed_blog, summary_from
from portfolio.seed import load_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    return load_seed()


def test_seeds_the_two_posts_with_their_categories_tags_and_stated_reading_times(content):
    assert seed_blog(content) == {"posts": 5}
    tyche = Post.objects.get(title__startswith="Tyche")
    assert tyche.category.name == "DistributiveSystemDesign"
    assert tyche.primary_tag.name == "AIInfrastructure"
    assert {"Serverless", "IEEE", "TechCommunity"} <= {tag.name for tag in tyche.tags.all()}
    assert tyche.reading_time == 10
    moe = Post.objects.get(title__startswith="How do we make Mixture-of-Experts")
    assert moe.category.name == "LLM_Optimization"
    assert [tag.name for tag in moe.tags.all()] == ["AIInfrastructure", "LLMOptimization", "SystemArchitecture"]
    assert moe.reading_time == 5


def test_seeded_posts_are_live_on_distinct_past_dates_newest_first_as_in_the_seed(content):
    seed_blog(content)
    live = list(Post.objects.published())
    assert len(live) == 5
    assert len({post.published_at for post in live}) == 5
    assert live[0].title.startswith("Tyche") and live[1].title.startswith("How do we make")
    assert not any(post.was_updated for post in live)


def test_the_series_has_three_parts_in_order(content):
    seed_blog(content)
    series = Series.objects.get()
    assert list(series.posts.order_by("series_order").values_list("series_order", flat=True)) == [1, 2, 3]


def test_seeding_twice_adds_nothing_and_keeps_the_owners_edits(content):
    seed_blog(content)
    post = Post.objects.get(title__startswith="Tyche")
    post.summary = "The owner's own summary."
    post.save()
    assert seed_blog(content) == {"posts": 0}
    post.refresh_from_db()
    assert post.summary == "The owner's own summary."
    assert Post.objects.count() == 5


def test_seed_demo_command_includes_the_blog():
    call_command("seed_demo")
    call_command("seed_demo")
    assert Post.objects.count() == 5


def test_seed_bodies_become_markdown_sections_without_new_words(content):
    for seed_post in content.posts:
        body = markdown_body(seed_post.body)
        assert body.count("\n## ") >= 2
        strip = lambda text: "".join(ch for ch in text if ch.isalnum())  # noqa: E731
        assert strip(body) == strip(seed_post.body)


def test_the_summary_is_the_opening_sentence_or_two(content):
    summary = summary_from(content.posts[0].body)
    assert summary.startswith("Can we completely eliminate")
    assert summary.endswith("isn't enough.")
