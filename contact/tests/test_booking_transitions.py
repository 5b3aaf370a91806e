"""A booking's status changes only through confirm, decline and cancel: each one guarded, recorded, and
emailed exactly once, whether the owner uses the list, the change form, or the visitor their cancel link."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from contact.admin import BookingRequestAdmin
from contact.models import BookingRequest, BookingSettings, TransitionRefused
from contact.notifications import cancel_url
from contact.tests.factories import make_booking, make_booking_settings, make_message
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db
Status = BookingRequest.Status
BOOKINGS = reverse("admin:contact_bookingrequest_changelist")


@pytest.fixture(autouse=True)
def owner():
    make_booking_settings()
    return make_profile()


def change_url(booking):
    return reverse("admin:contact_bookingrequest_change", args=[booking.pk])


def form_data(booking, **extra):
    """What the change form posts: its editable fields (the status is not among them)."""
    return {"name": booking.name, "email": booking.email, "topic": booking.topic, "notes": booking.notes} | extra


def past_booking(hours_ago=1, **fields):
    return make_booking(slot_start=timezone.now().replace(microsecond=0) - timedelta(hours=hours_ago), **fields)


def ics(message):
    name, content, _ = message.attachments[0]
    assert name == "intro-call.ics"
    return Calendar.from_ical(content).walk("VEVENT")[0], Calendar.from_ical(content)["method"]


# The rules, on the model: the one place every caller goes through.


def test_confirming_a_pending_request_records_when_and_sends_the_invite_once():
    booking = make_booking()
    result = booking.confirm()
    assert (result.changed, result.emailed, result.error) == (True, True, "")
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert booking.decided_at is not None and booking.status_emailed_at is not None
    [invite] = mail.outbox
    assert invite.to == [booking.email] and invite.subject.startswith("Intro call confirmed:")
    event, method = ics(invite)
    assert method == "REQUEST" and event["status"] == "CONFIRMED"


def test_declining_records_when_frees_the_slot_and_tells_the_visitor_once():
    booking = make_booking()
    assert booking.decline().emailed
    assert booking.decline().emailed is False  # a second click
    booking.refresh_from_db()
    assert booking.status == Status.DECLINED and booking.decided_at is not None
    assert not BookingRequest.objects.live().exists()
    assert [m.subject for m in mail.outbox] == ["About your intro-call request"]


def test_a_declined_request_cannot_be_confirmed():
    booking = make_booking(status=Status.DECLINED)
    with pytest.raises(TransitionRefused, match="is declined, so it can’t be confirmed"):
        booking.confirm()
    booking.refresh_from_db()
    assert booking.status == Status.DECLINED and booking.decided_at is None and mail.outbox == []


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.SPAM])
@pytest.mark.parametrize("transition", ["confirm", "decline"])
def test_a_cancelled_or_spam_request_cannot_be_confirmed_or_declined(status, transition):
    booking = make_booking(status=status)
    with pytest.raises(TransitionRefused):
        getattr(booking, transition)()
    booking.refresh_from_db()
    assert booking.status == status and mail.outbox == []


def test_a_confirmed_call_cannot_be_declined_only_cancelled():
    booking = make_booking(status=Status.CONFIRMED)
    with pytest.raises(TransitionRefused, match="already confirmed, so it can’t be declined: cancel it instead"):
        booking.decline()
    assert BookingRequest.objects.get().status == Status.CONFIRMED and mail.outbox == []


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.CONFIRMED])
def test_a_past_call_cannot_be_cancelled(status):
    booking = past_booking(status=status)
    with pytest.raises(TransitionRefused, match="can’t be cancelled: its time has passed"):
        booking.cancel()
    booking.refresh_from_db()
    assert booking.status == status and booking.cancelled_at is None and mail.outbox == []


def test_a_past_request_cannot_be_confirmed_but_can_still_be_declined():
    booking = past_booking()
    with pytest.raises(TransitionRefused, match="can’t be confirmed: its time has passed"):
        booking.confirm()
    assert booking.decline().changed
    assert BookingRequest.objects.get().status == Status.DECLINED


def test_two_clicks_racing_on_stale_copies_confirm_and_email_once():
    booking = make_booking()
    first, second = BookingRequest.objects.get(pk=booking.pk), BookingRequest.objects.get(pk=booking.pk)
    assert first.confirm().changed is True
    again = second.confirm()  # loaded before the first click landed
    assert (again.changed, again.emailed) == (False, False)
    assert len(mail.outbox) == 1


def test_a_declined_copy_loaded_before_the_decline_cannot_confirm():
    booking = make_booking()
    stale = BookingRequest.objects.get(pk=booking.pk)
    booking.decline()
    with pytest.raises(TransitionRefused):
        stale.confirm()
    assert BookingRequest.objects.get().status == Status.DECLINED and len(mail.outbox) == 1


def test_the_owner_cancelling_a_confirmed_call_withdraws_the_invite_from_the_visitors_calendar():
    booking = make_booking()
    booking.confirm()
    result = booking.cancel()
    assert (result.changed, result.emailed) == (True, True)
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED and booking.cancelled_by == "owner" and booking.cancelled_at
    invite, cancellation = mail.outbox
    assert cancellation.to == [booking.email] and cancellation.subject.startswith("Intro call cancelled:")
    (invite_event, _), (cancel_event, method) = ics(invite), ics(cancellation)
    assert method == "CANCEL" and cancel_event["status"] == "CANCELLED"
    assert cancel_event["uid"] == invite_event["uid"]  # so the calendar removes the event it has
    assert booking.cancel().emailed is False and len(mail.outbox) == 2


def test_cancelling_a_request_never_confirmed_sends_no_calendar_update():
    booking = make_booking()
    booking.cancel()
    [cancellation] = mail.outbox
    assert cancellation.attachments == []


def test_the_visitor_cancelling_tells_the_owner_once(client, django_capture_on_commit_callbacks):
    booking = make_booking(status=Status.CONFIRMED)
    url = cancel_url(booking).removeprefix("http://127.0.0.1:8000")
    for _ in range(2):  # a double submit
        with django_capture_on_commit_callbacks(execute=True):
            assert "Your call is cancelled" in client.post(url).content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED and booking.cancelled_by == "visitor"
    [notice] = mail.outbox
    assert notice.to == ["owner@example.com"] and notice.reply_to == [booking.email]
    assert notice.subject.startswith("[Intro call] Cancelled:")


def test_the_visitor_cannot_cancel_a_past_call(client):
    booking = past_booking(status=Status.CONFIRMED)
    url = cancel_url(booking).removeprefix("http://127.0.0.1:8000")
    page = client.get(url).content.decode()
    assert "That call has already started" in page and "Cancel the call" not in page  # no button to press
    response = client.post(url)
    assert "That call has already started" in response.content.decode()
    assert BookingRequest.objects.get().status == Status.CONFIRMED and mail.outbox == []


# When the email fails, the status change stands and the email is sent later, still only once.


def test_a_failed_invite_is_sent_by_confirming_again_and_then_never_again(smtp_down):
    booking = make_booking()
    result = booking.confirm()
    assert (result.changed, result.emailed) == (True, False) and "ConnectionRefusedError" in result.error
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED and booking.status_emailed_at is None
    smtp_down.start()
    assert booking.confirm().emailed is True
    assert booking.confirm().emailed is False
    assert len(smtp_down.messages) == 1


def test_send_pending_notifications_resends_a_failed_invite_once(smtp_down):
    booking = make_booking(notified_at=timezone.now())  # the owner already knows of it
    booking.confirm()
    smtp_down.start()
    call_command("send_pending_notifications")
    call_command("send_pending_notifications")
    assert [m["Subject"][:21] for m in smtp_down.messages] == ["Intro call confirmed:"]
    assert BookingRequest.objects.get().status_emailed_at is not None


def test_without_a_contact_email_the_decision_stands_and_the_reason_is_given(owner):
    owner.delete()
    booking = make_booking()
    result = booking.confirm()
    assert result.changed and not result.emailed
    assert "No contact email configured" in result.error


# The admin: list actions and change-form buttons call the same methods.


def test_saving_the_change_form_cannot_change_the_status(admin_client):
    """The day-one trap: "Confirmed" picked in the form and saved sent no invite and left Decided at empty."""
    booking = make_booking()
    response = admin_client.post(change_url(booking), form_data(booking, status="confirmed", notes="Edited"))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Status.REQUESTED and booking.notes == "Edited" and mail.outbox == []
    html = admin_client.get(change_url(booking)).content.decode()
    assert 'name="status"' not in html  # shown read-only


def test_the_change_form_confirm_button_confirms_records_and_sends_the_invite(admin_client):
    booking = make_booking()
    response = admin_client.post(change_url(booking), form_data(booking, _transition="confirm"), follow=True)
    assert response.redirect_chain[-1][0] == change_url(booking)  # back on the same booking
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED and booking.decided_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][0] == "intro-call.ics"
    assert "Confirmed 1 request. Emailed the invite to 1 visitor." in response.content.decode()


def test_a_double_post_of_a_change_form_button_emails_once(admin_client):
    booking = make_booking()
    admin_client.post(change_url(booking), form_data(booking, _transition="confirm"))
    response = admin_client.post(change_url(booking), form_data(booking, _transition="confirm"), follow=True)
    assert len(mail.outbox) == 1
    assert "1 request was already confirmed; nothing was sent again." in response.content.decode()


@pytest.mark.parametrize("button", ["decline", "cancel"])
def test_the_change_form_decline_and_cancel_buttons_record_and_email(admin_client, button):
    booking = make_booking()
    admin_client.post(change_url(booking), form_data(booking, _transition=button))
    booking.refresh_from_db()
    assert booking.status == {"decline": Status.DECLINED, "cancel": Status.CANCELLED}[button]
    assert (booking.decided_at or booking.cancelled_at) is not None and len(mail.outbox) == 1


def test_the_change_form_refuses_a_transition_its_rules_forbid(admin_client):
    booking = past_booking(status=Status.CONFIRMED)
    response = admin_client.post(change_url(booking), form_data(booking, _transition="cancel"), follow=True)
    assert "can’t be cancelled: its time has passed" in response.content.decode()
    assert BookingRequest.objects.get().status == Status.CONFIRMED and mail.outbox == []


def buttons(admin_client, booking):
    html = admin_client.get(change_url(booking)).content.decode()
    return [value for value in ("confirm", "decline", "cancel", "resend") if f'value="{value}"' in html]


def test_the_change_form_offers_only_the_transitions_allowed_now(admin_client):
    assert buttons(admin_client, make_booking()) == ["confirm", "decline", "cancel"]
    later = timezone.now() + timedelta(days=5)
    emailed = timezone.now()
    assert buttons(
        admin_client, make_booking(slot_start=later, status=Status.CONFIRMED, status_emailed_at=emailed)
    ) == ["cancel"]
    assert buttons(admin_client, past_booking()) == ["decline"]
    assert buttons(admin_client, past_booking(hours_ago=2, status=Status.CONFIRMED)) == []
    declined = make_booking(slot_start=later + timedelta(days=1), status=Status.DECLINED)
    assert buttons(admin_client, declined) == ["resend"]  # declined, but its email never went out
    declined.status_emailed_at = timezone.now()
    declined.save()
    assert buttons(admin_client, declined) == []


def test_the_resend_button_sends_an_unsent_decision_email_once(admin_client, smtp_down):
    booking = make_booking()
    booking.decline()
    smtp_down.start()
    for _ in range(2):
        admin_client.post(change_url(booking), form_data(booking, _transition="resend"))
    assert [m["Subject"] for m in smtp_down.messages] == ["About your intro-call request"]


def test_pressing_enter_in_a_field_saves_rather_than_confirms(admin_client):
    # A browser submits a form with its first submit button when Enter is pressed in a text field.
    html = admin_client.get(change_url(make_booking())).content.decode()
    form = html[html.index('id="bookingrequest_form"') :]
    assert form.index('name="_save"') < form.index('name="_transition"')


def test_contact_change_forms_have_no_view_on_site_link(admin_client):
    # Messages, bookings and the booking settings have no public page of their own.
    for url in (
        change_url(make_booking()),
        reverse("admin:contact_contactmessage_change", args=[make_message().pk]),
        reverse("admin:contact_bookingsettings_change", args=[BookingSettings.load().pk]),
    ):
        html = admin_client.get(url).content.decode()
        assert "viewsitelink" not in html and "View on site" not in html


def act(admin_client, action, bookings):
    data = {"action": action, "_selected_action": [booking.pk for booking in bookings]}
    return admin_client.post(BOOKINGS, data, follow=True).content.decode()


def test_list_actions_follow_the_same_rules_with_plural_messages(admin_client):
    day = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    pending = [make_booking(slot_start=day + timedelta(hours=hour)) for hour in range(2)]
    declined = make_booking(slot_start=day + timedelta(hours=5), status=Status.DECLINED)
    html = act(admin_client, "confirm", [*pending, declined])
    assert "Confirmed 2 requests. Emailed the invite to 2 visitors." in html
    assert "is declined, so it can’t be confirmed" in html
    assert len(mail.outbox) == 2
    html = act(admin_client, "cancel", pending[:1])
    assert "Cancelled 1 request. Emailed the cancellation to 1 visitor." in html
    assert BookingRequest.objects.get(pk=pending[0].pk).cancelled_at is not None
    html = act(admin_client, "confirm", pending)
    assert "1 request was already confirmed; nothing was sent again." in html
    assert "is cancelled, so it can’t be confirmed" in html
    assert len(mail.outbox) == 3


def test_a_failed_list_action_email_says_how_to_resend(admin_client, smtp_down):
    booking = make_booking()
    html = act(admin_client, "decline", [booking])
    assert "The email failed for 1 request:" in html and "Press “Decline” again to resend it." in html
    smtp_down.start()
    act(admin_client, "decline", [booking])
    assert len(smtp_down.messages) == 1


def test_marking_spam_leaves_decided_requests_alone(admin_client):
    pending = make_booking()
    confirmed = make_booking(slot_start=pending.slot_start + timedelta(hours=1), status=Status.CONFIRMED)
    html = act(admin_client, "mark_spam", [pending, confirmed])
    assert "Marked 1 intro-call request as spam." in html
    assert BookingRequest.objects.get(pk=confirmed.pk).status == Status.CONFIRMED


def test_saving_the_change_form_never_writes_back_a_status_the_visitor_changed_meanwhile(admin_client, monkeypatch):
    booking = make_booking(status=Status.CONFIRMED)
    real_get_object = BookingRequestAdmin.get_object

    def get_object_then_visitor_cancels(self, request, object_id, from_field=None):
        obj = real_get_object(self, request, object_id, from_field)
        if request.method == "POST":
            BookingRequest.objects.get(pk=obj.pk).cancel(by=BookingRequest.CancelledBy.VISITOR)
        return obj

    monkeypatch.setattr(BookingRequestAdmin, "get_object", get_object_then_visitor_cancels)
    admin_client.post(change_url(booking), form_data(booking, notes="Bring the diagram"))
    booking.refresh_from_db()
    assert (booking.status, booking.notes) == (Status.CANCELLED, "Bring the diagram")
