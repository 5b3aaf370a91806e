from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from blog.editor import WritingEditorAdmin
from blog.models import PREVIEW_MAX_AGE, Category, Post, Series
from portfolio.links import absolute_url
from portfolio.publishing_admin import PublicationStateFilter, PublishableAdmin, ViewOnSiteMixin


class PostCountAdmin(admin.ModelAdmin):
    """A "Posts" column for models that group posts (categories, series)."""

    list_display = ["__str__", "slug", "post_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_total=Count("posts"))

    @admin.display(description="Posts", ordering="post_total")
    def post_count(self, obj):
        return obj.post_total


@admin.register(Category)
class CategoryAdmin(ViewOnSiteMixin, PostCountAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]  # Meta.ordering is dropped from the grouped (counted) query


@admin.register(Series)
class SeriesAdmin(PostCountAdmin):
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["title"]  # Meta.ordering is dropped from the grouped (counted) query


@admin.register(Post)
class PostAdmin(WritingEditorAdmin, PublishableAdmin):
    list_display = ["title", "publication", "category", "reading_time_display"]
    # Only the tags posts use: projects' tech tags share the table but are no filter for posts.
    list_filter = [PublicationStateFilter, "category", ("tags", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["category"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["category", "series"]
    readonly_fields = ["publishing_state", "preview_link", "reading_time", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "tags", "summary"]}),
        ("Body", {"fields": ["body"]}),
        ("Publishing", {"fields": ["publishing_state", "status", "published_at", "preview_link", "updated_at"]}),
        ("Cover image", {"fields": ["cover_image", "cover_alt"], "classes": ["collapse"]}),
        ("Series", {"fields": ["series", "series_order"], "classes": ["collapse"]}),
        ("Reading time", {"fields": ["reading_time", "reading_time_override"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Reading time", ordering="reading_time")
    def reading_time_display(self, obj):
        return f"{obj.reading_time} min"

    @admin.display(description="Preview link")
    def preview_link(self, obj):
        if obj.pk is None:
            return "Save the post first; then a private preview link appears here."
        url = absolute_url(obj.get_preview_url())
        return format_html(
            '<input type="text" class="vTextField preview-url" readonly value="{}" aria-label="Preview link">'
            ' <button type="button" class="button preview-copy" data-copy-target=".preview-url">Copy link</button>'
            ' <a href="{}" target="_blank" rel="noopener">Open preview</a>'
            '<div class="help">Anyone with this link can read the post, even as a draft, for {} days.'
            " It is never indexed by search engines.</div>",
            url,
            url,
            PREVIEW_MAX_AGE.days,
        )
