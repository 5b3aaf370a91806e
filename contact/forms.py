import secrets
import time
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.core import signing

from contact import ratelimit
from contact.about import clean_about
from contact.models import BookingRequest, ContactMessage
from contact.text import BIDI_CONTROLS, has_control_characters, without_bidi_controls

STARTED_SALT = "contact.form.started"
SLOT_TAKEN = "Sorry, that slot was just taken. Please pick another time."


def started_token(started_at=None):
    """The form's signed start time, with a random part so each form served has its own single-use token."""
    return signing.dumps([started_at or time.time(), secrets.token_urlsafe(8)], salt=STARTED_SALT)


def token_started_at(token):
    """The start time a token carries; raises BadSignature (or SignatureExpired) for a forged or stale one."""
    value = signing.loads(token, salt=STARTED_SALT, max_age=settings.CONTACT_FORM_MAX_AGE_SECONDS)
    return float(value[0] if isinstance(value, list) else value)


def clean_single_line(value, field_label):
    if has_control_characters(value):
        raise forms.ValidationError(f"Keep your {field_label} on one line.")
    return value


SEND_AGAIN = (
    "That was quicker than we expect from a person, so it was held back. "
    "Please check your details and press the button again."
)
EXPIRED = "This form was open for a long time, so it was held back. Please check your details and send it again."


class SpamChecksMixin(forms.Form):
    """A honeypot and a minimum fill time. Tripping either marks the submission as spam (stored, not emailed)."""

    # Hidden from people by CSS; a bot filling every field fills this one too.
    website = forms.CharField(required=False, label="Your website (leave this empty)")
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    spam_reason = ""
    # Autofill and paste can beat the minimum too, so a fast sender is asked to send again, not just dropped;
    # so is someone whose form sat open past its lifetime.
    send_again = ""
    started_at = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if not self.is_bound:
            self.initial["started"] = started_token()
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = (
                    "Please keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."
                )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            self.spam_reason = "Honeypot field filled in."
        else:
            try:
                self.started_at = token_started_at(self.data.get("started", ""))
            except signing.SignatureExpired:
                self.spam_reason = "Form timestamp expired."
                self.send_again = EXPIRED
            except (signing.BadSignature, TypeError, ValueError, IndexError):
                self.spam_reason = "Missing or forged form timestamp."
            else:
                seconds = time.time() - self.started_at
                if seconds < settings.CONTACT_MIN_FILL_SECONDS:
                    self.spam_reason = f"Sent {seconds:.1f} s after the form loaded (too fast for a person)."
                    self.send_again = SEND_AGAIN
        return cleaned

    def check_single_use(self):
        """A signed start time admits one submission: a replay (or a double click) is stored as spam, not emailed."""
        if self.started_at is not None and not self.spam_reason and not ratelimit.first_use(self.data["started"]):
            self.spam_reason = "Form timestamp reused (a replayed submission)."

    def renew_token(self):
        """After the token was spent on a try that failed (a slot just taken), give the retry its own."""
        self.data = self.data.copy()
        self.data["started"] = started_token(self.started_at)

    def ask_to_send_again(self):
        """Keep the visitor's input, explain, and start the clock afresh for the second try."""
        self.data = self.data.copy()
        self.data["started"] = started_token()
        self.add_error(None, self.send_again)


class VisitorForm(SpamChecksMixin, forms.ModelForm):
    """What both contact forms ask of a visitor (name, email, topic) behind the same spam checks.

    Subclasses name the model and fields, and extend Meta's dicts with their own fields' entries.
    """

    class Meta:
        labels = {"name": "Your name", "email": "Your email", "topic": "Topic"}
        # Empty, so the model's help texts (written for the owner) don't show to visitors.
        help_texts = {"name": "", "topic": ""}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        error_messages = {
            "name": {"required": "Please tell me your name."},
            "email": {
                "required": "Please give an email address I can reply to.",
                "invalid": "That email address doesn’t look right.",
            },
            "topic": {"required": "Please pick a topic.", "invalid_choice": "Please pick a topic from the list."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "Choose a topic…"), *self.fields["topic"].choices[1:]]

    def clean_name(self):
        # Direction overrides are dropped, not refused: they only ever disguise what a name says.
        name = without_bidi_controls(clean_single_line(self.cleaned_data["name"], "name")).strip()
        if not name:
            raise forms.ValidationError(self.fields["name"].error_messages["required"])
        return name

    def clean_email(self):
        # Django accepts control characters inside a quoted local part ("a\x01"@x.org); Reply-To must not.
        email = self.cleaned_data["email"]
        if has_control_characters(email) or BIDI_CONTROLS.search(email):
            raise forms.ValidationError(self.fields["email"].error_messages["invalid"])
        return email


class AboutField(forms.CharField):
    """A hidden field filled from a link's `?about=`: anything but a plain slug is dropped, never an error."""

    def clean(self, value):
        # Before CharField's checks, so a NUL byte can't make the form invalid over a field the visitor can't see.
        return clean_about(value)


class ContactForm(VisitorForm):
    about = AboutField(required=False, widget=forms.HiddenInput)

    class Meta(VisitorForm.Meta):
        model = ContactMessage
        fields = ["name", "email", "topic", "message", "about"]
        labels = VisitorForm.Meta.labels | {"message": "Message"}
        help_texts = VisitorForm.Meta.help_texts | {
            "email": "I’ll reply to this address.",
            "message": "Up to 5,000 characters.",
            "about": "",
        }
        widgets = VisitorForm.Meta.widgets | {"message": forms.Textarea(attrs={"rows": 8})}
        error_messages = VisitorForm.Meta.error_messages | {"message": {"required": "Please write a message."}}


def timezone_choices():
    """UTC first, then every zone grouped by region, for an accessible <select> with optgroups."""
    groups = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/")):
            region = name.split("/", 1)[0]
            groups.setdefault(region, []).append((name, name.replace("_", " ")))
    return [("UTC", "UTC"), *((region, zones) for region, zones in groups.items())]


class TimezoneForm(forms.Form):
    tz = forms.ChoiceField(label="Show times in", choices=timezone_choices, required=False)


class BookingForm(VisitorForm):
    slot = forms.ChoiceField(
        label="Pick a time",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please pick a time.",
            "invalid_choice": "That time is no longer available. Please pick another one.",
        },
    )
    tz = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta(VisitorForm.Meta):
        model = BookingRequest
        fields = ["name", "email", "topic", "notes"]
        labels = VisitorForm.Meta.labels | {"notes": "Notes (optional)"}
        help_texts = VisitorForm.Meta.help_texts | {
            "email": "The invite goes to this address.",
            "notes": "Anything I should know before we talk. Up to 2,000 characters.",
        }
        widgets = VisitorForm.Meta.widgets | {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, slots=(), taken=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Every bookable slot is a valid choice, so a taken one gets its own message, not "invalid".
        self.slots = {slot.value: slot for slot in slots}
        self.taken = set(taken)
        self.fields["slot"].choices = [(value, value) for value in self.slots]

    def clean_slot(self):
        slot = self.slots[self.cleaned_data["slot"]]
        if slot.start in self.taken:
            raise forms.ValidationError(SLOT_TAKEN)
        return slot
