"""The admin's side of the publishing core: links to the real site, the status in words, and bulk actions."""

from django.contrib import admin, messages
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import ngettext

from portfolio.links import absolute_url
from portfolio.publishing import Publishable, warm_after_commit

LIVE, SCHEDULED, DRAFT = "live", "scheduled", "draft"


class ViewOnSiteMixin:
    """ "View on site" opens the page on the public address (SITE_URL), not the sites framework's example.com."""

    def view_on_site(self, obj):
        return absolute_url(obj.get_absolute_url())


def _state_q(state, now):
    published = Q(status=Publishable.Status.PUBLISHED)
    return {
        LIVE: published & Q(published_at__lte=now),
        SCHEDULED: published & Q(published_at__gt=now),
        DRAFT: ~published,
    }[state]


class PublicationStateFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(LIVE, "Live"), (SCHEDULED, "Scheduled"), (DRAFT, "Draft")]

    def queryset(self, request, queryset):
        return queryset.filter(_state_q(self.value(), timezone.now())) if self.value() else queryset


class PublishableAdmin(ViewOnSiteMixin, admin.ModelAdmin):
    """Shared by posts and projects: the status column and filter, and publish/unpublish in bulk."""

    actions = ["publish_now", "unpublish"]

    @admin.display(description="Status", ordering="published_at")
    def publication(self, obj):
        if obj.is_live:
            return format_html('<span class="state state-live">Live</span> <small>since {}</small>', _when(obj))
        if obj.is_scheduled:
            return format_html('<span class="state state-scheduled">Scheduled</span> <small>for {}</small>', _when(obj))
        return format_html('<span class="state state-draft">{}</span>', "Draft")

    @admin.action(description="Publish now")
    def publish_now(self, request, queryset):
        now = timezone.now()
        # Scheduled and never-dated items go live now; one that was live before keeps its original date.
        dated_now = Case(
            When(Q(published_at__isnull=True) | Q(published_at__gt=now), then=Value(now)), default=F("published_at")
        )
        going_live = queryset.exclude(_state_q(LIVE, now))
        # An update() calls no save(), so the items are named for the warming here.
        warmed = list(going_live.values_list("pk", flat=True))
        count = going_live.update(status=Publishable.Status.PUBLISHED, published_at=dated_now)
        warm_after_commit(self.model, warmed)
        self._report(request, count, "Published %(count)d %(name)s.", "Published %(count)d %(names)s.")

    @admin.action(description="Unpublish (back to draft)")
    def unpublish(self, request, queryset):
        count = queryset.filter(status=Publishable.Status.PUBLISHED).update(status=Publishable.Status.DRAFT)
        self._report(request, count, "Unpublished %(count)d %(name)s.", "Unpublished %(count)d %(names)s.")

    def _report(self, request, count, singular, plural):
        meta = self.model._meta
        message = ngettext(singular, plural, count) % {
            "count": count,
            "name": meta.verbose_name,
            "names": meta.verbose_name_plural,
        }
        self.message_user(request, message, messages.SUCCESS)


def _when(obj):
    return date_format(timezone.localtime(obj.published_at), "j M Y, H:i")
