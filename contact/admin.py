import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone

from contact.models import AvailabilityWindow, BookingRequest, BookingSettings, ContactMessage, DateOff, RateCounter
from contact.notifications import decision_email
from contact.slots import format_when
from portfolio.models import SiteProfile


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
        self.message_user(request, f"Marked {count} as {status}.", messages.SUCCESS)

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


class BookingRequestForm(forms.ModelForm):
    class Meta:
        model = BookingRequest
        fields = ["status", "visitor_timezone", "name", "email", "topic", "notes"]

    def clean_status(self):
        # The slot isn't on this form, so Django's own constraint check would skip it; do it here.
        status = self.cleaned_data["status"]
        rivals = BookingRequest.objects.live().filter(slot_start=self.instance.slot_start).exclude(pk=self.instance.pk)
        if status in BookingRequest.LIVE_STATUSES and rivals.exists():
            raise forms.ValidationError("Another live request already holds this slot, so this one can’t be revived.")
        return status


@admin.register(BookingRequest)
class BookingRequestAdmin(InboxAdmin):
    form = BookingRequestForm
    list_display = ["name", "slot", "topic", "status", "created_at", "emailed"]
    list_filter = ["status", "topic", "slot_start", EmailedFilter]
    search_fields = [*InboxAdmin.search_fields, "notes"]
    fields = [
        "status",
        "slot",
        "visitor_timezone",
        "name",
        "email",
        "topic",
        "notes",
        "decided_at",
        *InboxAdmin.readonly_fields,
    ]
    readonly_fields = [*InboxAdmin.readonly_fields, "slot", "visitor_timezone", "decided_at"]
    actions = ["confirm", "decline", "mark_spam", "export_csv"]
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

    def decide(self, request, queryset, status, verb):
        profile = SiteProfile.load()
        if profile is None or not profile.contact_email:
            self.message_user(request, "Add a contact email to the site profile first.", messages.ERROR)
            return
        sent, failed, skipped = 0, [], 0
        for booking in queryset:
            if status == BookingRequest.Status.CONFIRMED and not booking.is_live:
                skipped += 1  # its slot may be someone else's by now
                continue
            if booking.status in (BookingRequest.Status.CANCELLED, BookingRequest.Status.SPAM):
                skipped += 1
                continue
            # The decision is stored before the email, so a mail outage never loses it.
            BookingRequest.objects.filter(pk=booking.pk).update(status=status, decided_at=timezone.now())
            booking.status = status
            try:
                decision_email(booking, profile).send()
                sent += 1
            except Exception as exc:
                failed.append(f"{booking.name} ({type(exc).__name__}: {exc})")
        if sent:
            self.message_user(request, f"{verb} {sent} and emailed the visitor.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"Skipped {skipped} that were cancelled, spam or no longer live.", messages.WARNING
            )
        if failed:
            self.message_user(
                request,
                f"{verb}, but the email failed for: {'; '.join(failed)}. Run the action again to resend.",
                messages.ERROR,
            )

    @admin.action(description="Confirm and send the visitor an invite")
    def confirm(self, request, queryset):
        self.decide(request, queryset, BookingRequest.Status.CONFIRMED, "Confirmed")

    @admin.action(description="Decline and tell the visitor politely")
    def decline(self, request, queryset):
        self.decide(request, queryset, BookingRequest.Status.DECLINED, "Declined")

    @admin.action(description="Mark selected as spam (frees the slot)")
    def mark_spam(self, request, queryset):
        self.set_status(request, queryset, BookingRequest.Status.SPAM)


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
