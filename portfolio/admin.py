from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.shortcuts import redirect
from django.urls import reverse
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from portfolio.links import absolute_url
from portfolio.models import FocusArea, SiteProfile, SocialLink
from portfolio.publishing_admin import ViewOnSiteMixin
from portfolio.tags import tag_key

admin.site.site_header = "Portfolio admin"
admin.site.site_title = "Portfolio admin"
admin.site.index_title = "Your site"
# One owner, one domain: groups and the sites framework's table would only be noise in the owner's index.
admin.site.unregister(Group)
admin.site.unregister(Site)


@admin.register(SiteProfile)
class SiteProfileAdmin(ViewOnSiteMixin, admin.ModelAdmin):
    list_display = ["owner_name", "headline", "contact_email", "updated_at"]
    fieldsets = [
        ("Who you are", {"fields": ["owner_name", "avatar", "avatar_alt"]}),
        ("Home page", {"fields": ["headline", "intro", "tagline", "connect_text"]}),
        ("Contact", {"fields": ["contact_email", "acknowledge_visitors"]}),
        ("Search engines and link previews", {"fields": ["meta_description"]}),
    ]

    # One profile: it can be edited, never duplicated or deleted.
    def has_add_permission(self, request):
        return not SiteProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # A list of one is a detour: go straight to the profile.
        profile = SiteProfile.load()
        if profile is not None:
            return redirect("admin:portfolio_siteprofile_change", profile.pk)
        return super().changelist_view(request, extra_context)


class OrderedVisibleAdmin(admin.ModelAdmin):
    list_editable = ["order", "is_visible"]
    list_filter = ["is_visible"]
    actions = ["show_selected", "hide_selected"]

    @admin.action(description="Show selected on the site")
    def show_selected(self, request, queryset):
        queryset.update(is_visible=True)

    @admin.action(description="Hide selected from the site")
    def hide_selected(self, request, queryset):
        queryset.update(is_visible=False)

    def view_on_site(self, obj):
        return absolute_url(reverse("home"))


@admin.register(FocusArea)
class FocusAreaAdmin(OrderedVisibleAdmin):
    list_display = ["title", "order", "is_visible"]
    search_fields = ["title", "description"]


@admin.register(SocialLink)
class SocialLinkAdmin(OrderedVisibleAdmin):
    list_display = ["label", "kind", "url", "order", "is_visible"]
    list_filter = ["kind", "is_visible"]
    search_fields = ["label", "url"]


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip().lstrip("#").strip()
        twin = Tag.objects.filter(slug=tag_key(name)).exclude(pk=self.instance.pk).first()
        if twin is not None:
            raise forms.ValidationError(f"“{name}” is the same tag as “{twin.name}”: rename that one instead.")
        return name


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(TaggitTagAdmin):
    """One tag table for posts and projects. The address follows the name's key, so it never needs typing."""

    form = TagForm
    list_display = ["name", "slug"]
    readonly_fields = ["slug"]
    fields = ["name", "slug"]
    prepopulated_fields = {}

    def view_on_site(self, obj):
        return absolute_url(reverse("tag_detail", kwargs={"slug": obj.slug}))
