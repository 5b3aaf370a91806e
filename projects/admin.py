from django.contrib import admin, messages
from django.db import models
from markdownx.admin import MarkdownxModelAdmin
from taggit.forms import TagWidget
from taggit.managers import TaggableManager

from blog.editor import WritingEditorAdmin
from portfolio.cache import update_content
from portfolio.models import WEB_URL_MESSAGE
from projects.models import Project


@admin.register(Project)
class ProjectAdmin(WritingEditorAdmin, MarkdownxModelAdmin):
    list_display = ["title", "tech_list", "status", "featured", "order", "updated_at"]
    list_display_links = ["title"]
    list_editable = ["featured", "order"]
    list_filter = ["status", "featured", "tech"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "started"
    filter_horizontal = ["related_posts"]
    formfield_overrides = {
        **WritingEditorAdmin.formfield_overrides,
        # Someone pasting "github.com/me/app" means https, not http; anything else gets the model's clear message.
        models.URLField: {"assume_scheme": "https", "error_messages": {"invalid": WEB_URL_MESSAGE}},
        # A full stack of names doesn't fit the default narrow box.
        TaggableManager: {"widget": TagWidget(attrs={"class": "vLargeTextField"})},
    }
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "tech", "publishing_state", "status", "featured", "order"]}),
        ("Case study", {"fields": ["body", "cover_image", "cover_alt"]}),
        ("Links", {"fields": ["repo_url", "demo_url", "related_posts"]}),
        ("Dates", {"fields": ["started", "ended"]}),
    ]
    readonly_fields = ["publishing_state"]
    actions = ["publish_selected", "unpublish_selected"]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tech")

    @admin.display(description="Tech stack")
    def tech_list(self, obj):
        return ", ".join(tag.name for tag in obj.tech.all())

    @admin.action(description="Publish selected projects")
    def publish_selected(self, request, queryset):
        count = update_content(queryset, status=Project.Status.PUBLISHED)
        self.message_user(request, f"Published {count} project{'s' * (count != 1)}.", messages.SUCCESS)

    @admin.action(description="Unpublish selected projects (back to draft)")
    def unpublish_selected(self, request, queryset):
        count = update_content(queryset, status=Project.Status.DRAFT)
        self.message_user(request, f"Unpublished {count} project{'s' * (count != 1)}.", messages.SUCCESS)
