import csv

from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import ngettext

from contact.models import (
    AvailabilityWindow,
    BookingRequest,
    BookingSettings,
    ContactMessage,
    DateOff,
    RateCounter,
    TransitionRefused,
)
from contact.slots import format_when


def csv_cell(row, name):
    display = getattr(row, f"get_{name}_display", None)
    value = str(display() if display else getattr(row, name) or "")
    # Visitors write these cells: a leading = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


class EmailedFilter(admin.SimpleListFilter):
    title = "emailed to you"
    parameter_name = "emailed"

    def lookups(self, request, model_admin):
        return [("yes", "Emailed"), ("no", "Not yet emailed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(notified_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(notified_at__isnull=True)
        return queryset


class InboxAdmin(admin.ModelAdmin):
    """Shared by messages and bookings: they arrive from visitors, so the owner triages rather than adds."""

    class Media:
        css = {"all": ["css/contact-admin.css"]}

    search_fields = ["name", "email", "spam_reason"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "notified_at", "notify_attempts", "last_attempt_at", "last_error", "spam_reason"]
    csv_fields = []
    view_on_site = False

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description="emailed?", ordering="notified_at")
    def emailed(self, obj):
        return obj.notified_at is not None

    def set_status(self, request, queryset, status):
        count = queryset.update(status=status)
        label = self.model.Status(status).label.lower()
        message = ngettext("Marked %(count)d %(name)s as %(label)s.", "Marked %(count)d %(names)s as %(label)s.", count)
        opts = self.model._meta
        names = {"name": opts.verbose_name, "names": opts.verbose_name_plural}
        self.message_user(request, message % {"count": count, "label": label, **names}, messages.SUCCESS)

    @admin.action(description="Export selected as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.model_name}s-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(self.csv_fields)
        for row in queryset:
            writer.writerow([csv_cell(row, name) for name in self.csv_fields])
        return response


@admin.register(ContactMessage)
class ContactMessageAdmin(InboxAdmin):
    list_display = ["name", "topic", "about", "status", "created_at", "emailed"]
    list_filter = ["status", "topic", "created_at", EmailedFilter]
    search_fields = [*InboxAdmin.search_fields, "message", "about"]
    fields = ["status", "name", "email", "topic", "about", "message", *InboxAdmin.readonly_fields]
    actions = ["mark_read", "mark_replied", "mark_spam", "mark_archived", "export_csv"]
    csv_fields = ["created_at", "status", "name", "email", "topic", "about", "message", "notified_at"]

    @admin.action(description="Mark selected as read")
    def mark_read(self, request, queryset):
        self.set_status(request, queryset, ContactMessage.Status.READ)

    @admin.action(description="Mark selected as replied")
    def mark_replied(self, request, queryset):
        self.set_status(request, queryset, ContactMessage.Status.REPLIED)

    @admin.action(description="Mark selected as spam")
    def mark_spam(self, request, queryset):
        self.set_status(request, queryset, ContactMessage.Status.SPAM)

    @admin.action(description="Mark selected as archived")
    def mark_archived(self, request, queryset):
        self.set_status(request, queryset, ContactMessage.Status.ARCHIVED)


# What each transition emails the visitor, for the admin's messages.
TRANSITION_EMAILS = {"confirm": "the invite", "decline": "the decline", "cancel": "the cancellation"}


@admin.register(BookingRequest)
class BookingRequestAdmin(InboxAdmin):
    """The status changes only through confirm, decline and cancel (list actions or change-form buttons),
    so every change sends its email and records when; the change form shows the status read-only."""

    change_form_template = "admin/contact/bookingrequest/change_form.html"
    # The slot is the date that matters here: it leads the list and its date drill-down (and leaving out
    # the request time, which never wraps, keeps the list within a 1280 px screen).
    list_display = ["name", "slot", "topic", "status", "emailed"]
    list_filter = ["status", "topic", "slot_start", EmailedFilter]
    date_hierarchy = "slot_start"
    search_fields = [*InboxAdmin.search_fields, "notes"]
    fieldsets = [
        (None, {"fields": ["status", "slot", "visitor_timezone", "name", "email", "topic", "notes"]}),
        ("Decision", {"fields": ["decided_at", "cancelled_at", "cancelled_by", "status_emailed_at"]}),
        ("The email to you", {"classes": ["collapse"], "fields": InboxAdmin.readonly_fields}),
    ]
    readonly_fields = [
        "status",
        *InboxAdmin.readonly_fields,
        "slot",
        "visitor_timezone",
        "decided_at",
        "cancelled_at",
        "cancelled_by",
        "status_emailed_at",
    ]
    actions = ["confirm", "decline", "cancel", "mark_spam", "export_csv"]
    csv_fields = [
        "created_at",
        "status",
        "slot_start",
        "slot_end",
        "visitor_timezone",
        "name",
        "email",
        "topic",
        "notes",
    ]

    def get_queryset(self, request):
        self.owner_zone = BookingSettings.load().zone  # once per list, not once per row
        return super().get_queryset(request)

    @admin.display(description="slot (your time zone)", ordering="slot_start")
    def slot(self, obj):
        zone = getattr(self, "owner_zone", None) or BookingSettings.load().zone
        return format_when(obj.slot_start, zone)

    def transition(self, request, bookings, name):
        """Run one transition on each booking, then sum up what happened in a few messages."""
        done, emailed, repeated, failed = 0, 0, 0, []
        for booking in bookings:
            try:
                result = getattr(booking, name)()
            except TransitionRefused as refusal:
                self.message_user(request, str(refusal), messages.WARNING)
                continue
            done += result.changed
            emailed += result.emailed
            repeated += not (result.changed or result.emailed or result.error)
            if result.error:
                failed.append(f"{booking.name} ({result.error})")
        verb = BookingRequest.TRANSITIONS[name][0].label.lower()  # "confirmed", "declined", "cancelled"
        summary = []
        if done:
            text = ngettext("%(verb)s %(count)d request.", "%(verb)s %(count)d requests.", done)
            summary.append(text % {"verb": verb.capitalize(), "count": done})
        if emailed:
            text = ngettext(
                "Emailed %(what)s to %(count)d visitor.", "Emailed %(what)s to %(count)d visitors.", emailed
            )
            summary.append(text % {"what": TRANSITION_EMAILS[name], "count": emailed})
        if summary:
            self.message_user(request, " ".join(summary), messages.SUCCESS)
        if repeated:
            text = ngettext(
                "%(count)d request was already %(verb)s; nothing was sent again.",
                "%(count)d requests were already %(verb)s; nothing was sent again.",
                repeated,
            )
            self.message_user(request, text % {"count": repeated, "verb": verb}, messages.INFO)
        if failed:
            text = ngettext(
                "The email failed for %(count)d request: %(list)s. Press “%(action)s” again to resend it.",
                "The email failed for %(count)d requests: %(list)s. Press “%(action)s” again to resend them.",
                len(failed),
            )
            values = {"count": len(failed), "list": "; ".join(failed), "action": name.capitalize()}
            self.message_user(request, text % values, messages.ERROR)

    @admin.action(description="Confirm and send the visitor an invite")
    def confirm(self, request, queryset):
        self.transition(request, queryset, "confirm")

    @admin.action(description="Decline and tell the visitor politely")
    def decline(self, request, queryset):
        self.transition(request, queryset, "decline")

    @admin.action(description="Cancel the call and tell the visitor")
    def cancel(self, request, queryset):
        self.transition(request, queryset, "cancel")

    @admin.action(description="Mark selected requests as spam (frees the slot)")
    def mark_spam(self, request, queryset):
        # Only a pending request: a decided one has already been emailed about, so it isn't spam.
        self.set_status(request, queryset.filter(status=BookingRequest.Status.REQUESTED), BookingRequest.Status.SPAM)

    def render_change_form(self, request, context, obj=None, **kwargs):
        if obj is not None:
            context["transitions"] = obj.allowed_transitions()
            context["status_email_unsent"] = obj.status_email_unsent
        return super().render_change_form(request, context, obj=obj, **kwargs)

    def save_model(self, request, obj, form, change):
        # Only the fields the owner edited, so saving never writes back a status a visitor changed meanwhile.
        obj.save(update_fields=form.changed_data) if change else obj.save()

    def response_change(self, request, obj):
        """The change form's transition buttons submit the form (with its CSRF token) under one name."""
        name = request.POST.get("_transition")
        if name in BookingRequest.TRANSITIONS:
            self.transition(request, [obj], name)
        elif name == "resend":
            emailed, error = obj.send_status_email()
            if emailed:
                self.message_user(request, "Sent the email again.", messages.SUCCESS)
            else:
                self.message_user(
                    request, error or "It had already been sent.", messages.ERROR if error else messages.INFO
                )
        else:
            return super().response_change(request, obj)
        return HttpResponseRedirect(request.path)


class AvailabilityWindowInline(admin.TabularInline):
    model = AvailabilityWindow
    extra = 0


class DateOffInline(admin.TabularInline):
    model = DateOff
    extra = 0


@admin.register(BookingSettings)
class BookingSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner_timezone", "slot_minutes", "min_notice_hours", "horizon_days"]
    inlines = [AvailabilityWindowInline, DateOffInline]
    view_on_site = False

    def has_add_permission(self, request):
        return not BookingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RateCounter)
class RateCounterAdmin(admin.ModelAdmin):
    """Who is sending how much: past the spam cap, a flood shows up only here, as a count."""

    list_display = ["scope", "sender", "count", "expires_at"]
    list_filter = [("expires_at", admin.DateFieldListFilter)]
    search_fields = ["key"]
    date_hierarchy = "expires_at"
    ordering = ["-count"]
    view_on_site = False

    def get_queryset(self, request):
        # Used form tokens are counters too, but only the per-address ones tell the owner anything.
        return super().get_queryset(request).exclude(key__startswith="form-token:")

    @admin.display(description="counts")
    def scope(self, counter):
        return {"message": "Messages", "booking": "Booking requests"}.get(counter.key.partition(":")[0], "Other")

    @admin.display(description="sender (hash of the address, as on their messages)")
    def sender(self, counter):
        return counter.key.partition(":")[2]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
