import math
import re
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager

from portfolio.cards import Card
from portfolio.markdown import split_fenced_code, validate_renderable
from portfolio.publishing import Publishable, PublishableQuerySet
from portfolio.tags import NormalisedTagManager, pinned_tags, tag_list_field

WORDS_PER_MINUTE = 230
SECONDS_PER_CODE_BLOCK = 20
SECONDS_PER_CODE_LINE = 2
SECONDS_PER_IMAGE = 12

PREVIEW_SALT = "blog.post-preview"
PREVIEW_MAX_AGE = timedelta(days=7)

# Each pattern stops at the next character that could start another match ("[", "(", "<"), so
# no two matches scan the same text: the estimate stays linear, whatever the body.
IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)|<img\b[^<>]*>", re.IGNORECASE)
LINK_TARGET = re.compile(r"\]\([^()]*\)")
WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


# Addresses under /blog/ that a post's slug would shadow or be shadowed by.
RESERVED_SLUGS = {"archive", "category", "preview"}


def validate_post_slug(value):
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is used by another page under /blog/; choose another address.")


def estimate_reading_time(markdown_text):
    """Minutes to read a Markdown body.

    minutes = prose words / 230
            + per fenced code block: 20 s + 2 s per line (code is read slower than prose,
              so its words are not counted as prose)
            + 12 s per image,
    rounded to the nearest minute, and never less than 1.
    """
    text, code_blocks = split_fenced_code(markdown_text)
    seconds = sum(SECONDS_PER_CODE_BLOCK + SECONDS_PER_CODE_LINE * len(lines) for lines in code_blocks)
    seconds += SECONDS_PER_IMAGE * len(IMAGE.findall(text))
    prose = LINK_TARGET.sub("]", IMAGE.sub(" ", text))
    seconds += len(WORD.findall(prose)) * 60 / WORDS_PER_MINUTE
    return max(1, math.floor(seconds / 60 + 0.5))


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True, help_text="Shown above each post, e.g. “LLM_Optimization”.")
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True, help_text="Used in the category's address.")
    description = models.TextField(blank=True, help_text="An optional line shown on the category's page.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:category_detail", kwargs={"slug": self.slug})


class Series(models.Model):
    title = models.CharField(max_length=150, unique=True, help_text="The name of a run of related posts.")
    slug = models.SlugField(max_length=150, unique=True, allow_unicode=True, help_text="Used in links to the series.")
    description = models.TextField(blank=True, help_text="What the series is about.")

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.title


# What no post listing shows: left out of every list's query.
LIST_DEFERRED = ("body", "body_html", "toc", "search_text", "related_ranking")
# What a post's item in a list shows (Post.list_item_key), the only fields the lists' written rows load:
# a list page converts no cover, update time or JSON it doesn't show.
LIST_FIELDS = (
    "title",
    "slug",
    "summary",
    "published_at",
    "reading_time",
    "category",
    "series",
    "series_order",
    "tag_list",
)


class PostQuerySet(PublishableQuerySet):
    def for_lists(self):
        """What every post listing shows, in a fixed number of queries."""
        return self.select_related("category", "series").prefetch_related("tags").defer(*LIST_DEFERRED)


class Post(Publishable):
    title = models.CharField(max_length=200, help_text="The post's headline.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        validators=[validate_post_slug],
        help_text="The post's address: /blog/your-post-title/. Changing it on a live post redirects the old address.",
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="posts", help_text="Every post has one category."
    )
    # Ordered as entered, so the first tag is the post's primary hashtag (shown in lists and on the home page).
    tags = TaggableManager(
        blank=True,
        ordering=["taggit_taggeditem_items__id"],
        manager=NormalisedTagManager,
        help_text="Hashtags without the #, separated by commas. The first one is the post's primary hashtag.",
    )
    summary = models.TextField(max_length=500, help_text="One or two sentences for lists, feeds and link previews.")
    body = MarkdownxField(
        validators=[validate_renderable],
        help_text="Markdown, with $…$ for math. Drag an image in to upload it. At most 50,000 characters.",
    )
    toc = models.JSONField(editable=False, default=list, help_text="The body's headings, for the table of contents.")
    reading_time = models.PositiveSmallIntegerField(editable=False, default=1)
    reading_time_override = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes. Leave empty to compute it from the text."
    )
    cover_image = models.ImageField(upload_to="covers/%Y/", blank=True, help_text="Optional; 1600×900 px works best.")
    cover_alt = models.CharField(max_length=250, blank=True, help_text="Describe the cover image for screen readers.")
    # The cover's WebP renditions, made once after it is uploaded (portfolio/renditions.py).
    cover_renditions = models.JSONField(editable=False, default=dict)
    series = models.ForeignKey(
        Series,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
        help_text="Optional: the series this post is part of.",
    )
    series_order = models.PositiveSmallIntegerField(default=0, help_text="This post's place in its series (1, 2, 3…).")
    citation = models.ForeignKey(
        "portfolio.Publication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="citing_posts",
        help_text="Optional: the paper this post discusses. The post then shows how to cite it, with BibTeX.",
    )
    # Its tags in its own row, kept by database triggers, so a list of posts is one statement (portfolio/tags.py).
    tag_list = tag_list_field()
    # [[id, shared tags, published_at timestamp], …] best first, kept current by blog.related on every change.
    related_ranking = models.JSONField(editable=False, default=list)

    objects = PostQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [
            models.Index(fields=["status", "-published_at"], name="post_status_published_idx"),
            # Previous/next: one index step each way, ties on published_at broken by id.
            models.Index(fields=["status", "published_at", "id"], name="post_status_published_id_idx"),
            # The sitemaps' lastmod: a category's newest change is one index step (blog/sitemaps.py).
            models.Index(fields=["category", "-updated_at"], name="post_category_updated_idx"),
            # The admin's list, drafts included, in the model's order: the newest page without sorting them all.
            models.Index(fields=["published_at", "id"], name="post_published_id_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("blog:post_detail", kwargs={"slug": self.slug})

    def rendered_fields(self, rendered):
        return {
            **super().rendered_fields(rendered),
            "toc": rendered.toc,
            "reading_time": self.reading_time_override or estimate_reading_time(self.body),
        }

    def warm_paths(self):
        """The public pages that show this post, rendered into the page cache after it is published."""
        archive = reverse("blog:archive")
        return [
            reverse("home"),
            reverse("blog:post_list"),
            archive,
            f"{archive}?year={timezone.localtime(self.published_at).year}",
            self.get_absolute_url(),
            self.category.get_absolute_url(),
            *(reverse("tag_detail", kwargs={"slug": tag.slug}) for tag in self.tags.all()),
            reverse("feeds:rss"),
            reverse("feeds:atom"),
            reverse("feeds:json"),
        ]

    @property
    def was_updated(self):
        """Edited on a later day than it went live: worth an "Updated" line."""
        return bool(self.published_at and self.updated_at and self.updated_at.date() > self.published_at.date())

    @property
    def dek_repeats_body(self):
        """A summary taken from the body's opening would be read twice under the title."""
        return self.body.lstrip().startswith(self.summary.strip()[:80])

    def list_item_key(self):
        """Everything this post's item in a list shows (blog/includes/post_item.html): its memo key."""
        tag = self.primary_tag
        return (
            self.pk,
            self.title,
            self.slug,
            self.summary,
            self.published_at,
            self.reading_time,
            self.category.name,
            self.category.slug,
            tag and (tag.name, tag.slug),
            self.series_id and self.series.title,
            self.series_order,
        )

    def header_key(self):
        """Everything the post page's header shows of the post (with its list item's kicker): its memo key."""
        return (*self.list_item_key(), self.dek_repeats_body, self.was_updated and self.updated_at)

    @property
    def word_count(self):
        # search_text is plain_text(): words joined by single spaces, so counting the spaces counts the
        # words (split() took a fiftieth of a cold post page).
        return self.search_text.count(" ") + 1 if self.search_text else 0

    def structured_data_key(self):
        """Everything the post's JSON-LD and shared-link image show: their memo key."""
        return (
            *self.list_item_key(),
            self.updated_at,
            self.tags_key(),
            self.word_count,
            self.cover_image.name,
        )

    def toc_key(self):
        """Everything the post page's table of contents shows: its memo key."""
        return tuple((heading["level"], heading["id"], heading["name"]) for heading in self.toc)

    def tags_key(self):
        """The post's tags as its page shows them: its memo key."""
        return tuple((tag.name, tag.slug) for tag in pinned_tags(self, "tags"))

    @property
    def primary_tag(self):
        return next(iter(pinned_tags(self, "tags")), None)

    def social_card(self, owner=""):
        """What this post's social card shows (portfolio.cards draws it)."""
        tags = [f"#{tag.name}" for tag in list(pinned_tags(self, "tags"))[:2]]
        return Card(
            title=self.title,
            eyebrow=f"Blog · {self.category.name}",
            details=(*tags, f"{self.reading_time} min read"),
            owner=owner,
        )

    def get_preview_url(self):
        """A signed, expiring link that shows this post, draft or not, to anyone who has it."""
        token = signing.dumps(self.pk, salt=PREVIEW_SALT)
        return reverse("blog:post_preview", kwargs={"token": token})

    @classmethod
    def from_preview_token(cls, token):
        """The post a preview token names. Raises signing.SignatureExpired or signing.BadSignature."""
        pk = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
        return cls.objects.select_related("category", "series", "citation").get(pk=pk)
