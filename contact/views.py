from contextlib import suppress
from zoneinfo import ZoneInfo, available_timezones

from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from contact import ratelimit
from contact.about import clean_about, resolve_about
from contact.forms import SLOT_TAKEN, BookingForm, ContactForm, TimezoneForm
from contact.models import BookingRequest, BookingSettings, TransitionRefused
from contact.notifications import (
    booking_from_calendar_token,
    booking_from_cancel_token,
    calendar_token,
    tentative_booking_ics,
)
from contact.slots import candidate_slots, format_when, free_slots, group_by_day, slot_data
from contact.tasks import notify_owner, send_booking_status_email
from portfolio.models import SiteProfile


def rate_limited(request):
    return render(request, "429.html", status=429)


def enqueue_notification(kind, pk):
    # After commit, so the worker always finds the row; robust, so a queue outage never loses the
    # visitor's submission (send_pending_notifications picks the row up later).
    transaction.on_commit(lambda: notify_owner.enqueue(kind, pk), robust=True)


def screen(form, request, scope):
    """Count this submission against the sender's limit: returns (why it is over the limit, whether to store it).

    Over the limit, submissions are still kept (as spam, for the owner to review) up to a cap; past
    the cap only the counter records them, so a flood can't fill the inbox table.
    """
    count = ratelimit.count_submission(scope, request)
    keep = ratelimit.worth_storing(count)
    if keep:
        form.check_single_use()
    return ratelimit.over_limit_reason(count), keep


def store(form, request, kind, spam_reason=""):
    """Save a submission, flagging spam rather than dropping it; only real ones are emailed."""
    obj = form.save(commit=False)
    obj.ip_hash = ratelimit.ip_hash(request)
    spam_reason = form.spam_reason or spam_reason
    if spam_reason:
        obj.status = obj.Status.SPAM
        obj.spam_reason = spam_reason
    obj.save()
    if not spam_reason:
        enqueue_notification(kind, obj.pk)
    return obj


@method_decorator(never_cache, name="dispatch")
class ContactFormView(FormView):
    form_class = ContactForm
    template_name = "contact/contact_form.html"

    def get_initial(self):
        return {"about": clean_about(self.request.GET.get("about"))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # What the visitor was reading, shown above the form so they know it travels with the message.
        context["about"] = resolve_about(context["form"]["about"].value())
        return context

    def form_valid(self, form):
        limited, keep = screen(form, self.request, "message")
        if keep:
            with transaction.atomic():
                store(form, self.request, "message", spam_reason=limited)
        if limited:
            return rate_limited(self.request)
        if form.send_again:
            form.ask_to_send_again()
            return self.form_invalid(form)
        return redirect("contact:sent")


@method_decorator(never_cache, name="dispatch")
class ContactSentView(TemplateView):
    template_name = "contact/sent.html"


def visitor_zone(request):
    """The zone the page shows times in: the visitor's pick, or UTC (with a note when the pick was bad)."""
    name = (request.POST.get("tz") or request.GET.get("tz") or "UTC").strip()
    if name in available_timezones():
        return name, False
    return "UTC", True


@method_decorator(never_cache, name="dispatch")
class BookingFormView(FormView):
    form_class = BookingForm
    template_name = "contact/booking_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.zone, self.zone_invalid = visitor_zone(request)
        self.settings = BookingSettings.load()
        self.load_slots()
        return super().dispatch(request, *args, **kwargs)

    def load_slots(self):
        now = timezone.now()
        self.candidates = candidate_slots(self.settings, now)
        self.taken = set(BookingRequest.objects.live().filter(slot_start__gte=now).values_list("slot_start", flat=True))

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"slots": self.candidates, "taken": self.taken}

    def get_initial(self):
        return {"tz": self.zone}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        free = free_slots(self.candidates, self.taken)
        days = group_by_day(free, self.zone)
        selected = form["slot"].value() if form.is_bound else None
        return context | {
            "zone": self.zone,
            "zone_invalid": self.zone_invalid,
            "tz_form": TimezoneForm(initial={"tz": self.zone}),
            "days": days,
            # Without JavaScript each day folds away; the first and the one holding the visitor's pick stay open.
            "open_day": next((day for day, slots in days if any(slot.value == selected for slot, _ in slots)), None),
            # UTC instants for the picker (static/js/booking.js), which shows them in any zone without a reload.
            "slot_data": slot_data(free),
            "selected_slot": selected,
        }

    def form_valid(self, form):
        limited, keep = screen(form, self.request, "booking")
        if not keep:
            return rate_limited(self.request)
        slot = form.cleaned_data["slot"]
        form.instance.slot_start, form.instance.slot_end = slot.start, slot.end
        form.instance.visitor_timezone = self.zone
        try:
            with transaction.atomic():
                # Spam (rate-limited or not) is not live, so it never holds the slot.
                booking = store(form, self.request, "booking", spam_reason=limited)
        except IntegrityError:
            # Another visitor's request for this slot committed first; the constraint picked the winner.
            self.load_slots()
            form.renew_token()
            form.add_error("slot", SLOT_TAKEN)
            return self.form_invalid(form)
        if limited:
            return rate_limited(self.request)
        if form.send_again:
            form.ask_to_send_again()
            return self.form_invalid(form)
        if booking.status == BookingRequest.Status.SPAM:
            return redirect("contact:booking_sent")  # the same page, minus the details a bot could learn from
        return redirect(f"{reverse('contact:booking_sent')}?request={calendar_token(booking)}")


@method_decorator(never_cache, name="dispatch")
class BookingSentView(TemplateView):
    """The thank-you page. `?request=` is a signed token naming the booking: it shows when, and links the .ics."""

    template_name = "contact/booking_sent.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = self.request.GET.get("request", "")
        booking = booking_from_calendar_token(token) if token else None
        if booking is not None:
            context |= {
                "when": format_when(booking.slot_start, ZoneInfo(booking.visitor_timezone)),
                "calendar_url": reverse("contact:booking_calendar", args=[token]),
            }
        return context


@method_decorator(never_cache, name="dispatch")
class BookingCalendarView(View):
    """The requested call as a tentative .ics, for the visitor's own calendar, before the owner confirms."""

    def get(self, request, token):
        booking = booking_from_calendar_token(token)
        if booking is None:
            raise Http404("This calendar link doesn’t work, or the request is no longer open.")
        response = HttpResponse(
            tentative_booking_ics(booking, SiteProfile.load()), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="intro-call-requested.ics"'
        return response


@method_decorator(never_cache, name="dispatch")
class BookingCancelView(TemplateView):
    """GET shows what would be cancelled; only the POST cancels, so link scanners can't cancel a call."""

    template_name = "contact/booking_cancel.html"

    def dispatch(self, request, *args, token, **kwargs):
        self.booking = booking_from_cancel_token(token)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = self.booking
        if booking is not None:
            context["when"] = format_when(booking.slot_start, ZoneInfo(booking.visitor_timezone))
        return context | {"booking": booking}

    def get(self, request, *args, **kwargs):
        status = 200 if self.booking is not None else 400
        return self.render_to_response(self.get_context_data(), status=status)

    def post(self, request, *args, **kwargs):
        booking = self.booking
        if booking is None:
            return self.get(request, *args, **kwargs)
        # Refused for a past, declined or already cancelled call: the page then explains which.
        with suppress(TransitionRefused):
            if booking.cancel(by=BookingRequest.CancelledBy.VISITOR, email=False).changed:
                # Robust, like the notifications: a queue outage leaves it to send_pending_notifications.
                transaction.on_commit(lambda: send_booking_status_email.enqueue(booking.pk), robust=True)
        return self.render_to_response(self.get_context_data(cancelled=True))
