from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse

from portfolio.cache import update_content
from portfolio.models import FocusArea, Publication, SiteProfile, SocialLink

admin.site.site_header = "Portfolio admin"
admin.site.site_title = "Portfolio admin"
admin.site.index_title = "Your site"
# One owner, one domain: groups and the sites framework's table would only be noise in the owner's index.
admin.site.unregister(Group)
admin.site.unregister(Site)


@admin.register(SiteProfile)
class SiteProfileAdmin(admin.ModelAdmin):
    list_display = ["owner_name", "headline", "contact_email", "updated_at"]
    fieldsets = [
        ("Who you are", {"fields": ["owner_name", "short_bio", "avatar", "avatar_alt", "location", "time_zone"]}),
        ("About page", {"fields": ["about", "experience", "cv_url"]}),
        ("Home page", {"fields": ["headline", "intro", "tagline", "connect_text"]}),
        ("Contact", {"fields": ["contact_email", "acknowledge_visitors"]}),
        ("Search engines and link previews", {"fields": ["meta_description"]}),
    ]
    view_on_site = True

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
        update_content(queryset, is_visible=True)

    @admin.action(description="Hide selected from the site")
    def hide_selected(self, request, queryset):
        update_content(queryset, is_visible=False)

    def view_on_site(self, obj):
        return reverse("home")


@admin.register(FocusArea)
class FocusAreaAdmin(OrderedVisibleAdmin):
    list_display = ["title", "order", "is_visible"]
    search_fields = ["title", "description"]


@admin.register(SocialLink)
class SocialLinkAdmin(OrderedVisibleAdmin):
    list_display = ["label", "kind", "url", "order", "is_visible"]
    list_filter = ["kind", "is_visible"]
    search_fields = ["label", "url"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["title", "venue", "year", "doi", "citing_post_count"]
    list_filter = ["year"]
    search_fields = ["title", "authors", "venue", "doi"]
    fieldsets = [
        (None, {"fields": ["title", "authors", "venue", "year", "volume", "issue", "pages"]}),
        ("Where to read it", {"fields": ["doi", "url", "pdf"]}),
        ("Citing it", {"fields": ["bibtex", "order"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citing_posts_count=Count("citing_posts"))

    @admin.display(description="Posts citing it", ordering="citing_posts_count")
    def citing_post_count(self, obj):
        return obj.citing_posts_count

    def view_on_site(self, obj):
        return obj.get_absolute_url()
