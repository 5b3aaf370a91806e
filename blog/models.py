from django.db import models
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager

from portfolio.markdown import render

WORDS_PER_MINUTE = 230


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True, help_text="Shown above each post, e.g. “LLM_Optimization”.")
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in the category's address.")
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
    slug = models.SlugField(max_length=150, unique=True, help_text="Used in links to the series.")
    description = models.TextField(blank=True, help_text="What the series is about.")

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.title


class PostQuerySet(models.QuerySet):
    def published(self):
        """The one publishing rule: published, and its time has come (a future time means scheduled)."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200, help_text="The post's headline.")
    slug = models.SlugField(max_length=200, unique=True, help_text="The post's address: /blog/<slug>/.")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="posts", help_text="Every post has one category."
    )
    tags = TaggableManager(blank=True, help_text="Hashtags without the #, separated by commas.")
    summary = models.TextField(max_length=500, help_text="One or two sentences for lists, feeds and link previews.")
    body = MarkdownxField(help_text="Markdown. Drag an image in to upload it.")
    body_html = models.TextField(editable=False, default="")
    reading_time = models.PositiveSmallIntegerField(editable=False, default=1)
    reading_time_override = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes. Leave empty to compute it from the text."
    )
    cover_image = models.ImageField(upload_to="covers/%Y/", blank=True, help_text="Optional; 1600×900 px works best.")
    cover_alt = models.CharField(max_length=250, blank=True, help_text="Describe the cover image for screen readers.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, help_text="Drafts are visible to staff only."
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it goes live. A future time schedules the post."
    )
    updated_at = models.DateTimeField(auto_now=True)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts", help_text="Optional."
    )
    series_order = models.PositiveSmallIntegerField(default=0, help_text="This post's place in its series.")

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render(self.body).html
        self.reading_time = self.reading_time_override or max(1, round(len(self.body.split()) / WORDS_PER_MINUTE))
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:post_detail", kwargs={"slug": self.slug})
