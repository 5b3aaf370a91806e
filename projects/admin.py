from django.contrib import admin
from django.db import models
from markdownx.admin import MarkdownxModelAdmin
from taggit.forms import TagWidget
from taggit.managers import TaggableManager

from blog.editor import WritingEditorAdmin
from portfolio.models import WEB_URL_MESSAGE
from portfolio.publishing_admin import PublicationStateFilter, PublishableAdmin
from projects.models import Project


@admin.register(Project)
class ProjectAdmin(WritingEditorAdmin, PublishableAdmin, MarkdownxModelAdmin):
    list_display = ["title", "tech_list", "publication", "featured", "order"]
    list_display_links = ["title"]
    list_editable = ["featured", "order"]
    # Only the tags projects use: posts' hashtags share the table but are no filter for projects.
    list_filter = [PublicationStateFilter, "featured", ("tech", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "started"
    filter_horizontal = ["related_posts"]
    readonly_fields = ["publishing_state"]
    formfield_overrides = {
        **WritingEditorAdmin.formfield_overrides,
        # Someone pasting "github.com/me/app" means https, not http; anything else gets the model's clear message.
        models.URLField: {"assume_scheme": "https", "error_messages": {"invalid": WEB_URL_MESSAGE}},
        # A full stack of names doesn't fit the default narrow box.
        TaggableManager: {"widget": TagWidget(attrs={"class": "vLargeTextField"})},
    }
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "tech", "featured", "order"]}),
        ("Publishing", {"fields": ["publishing_state", "status", "published_at"]}),
        ("Case study", {"fields": ["body", "cover_image", "cover_alt"]}),
        ("Links", {"fields": ["repo_url", "demo_url", "related_posts"]}),
        ("Dates", {"fields": ["started", "ended"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tech")

    @admin.display(description="Tech stack")
    def tech_list(self, obj):
        return ", ".join(tag.name for tag in obj.tech.all())
