import time
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.core import signing

from contact.about import clean_about
from contact.models import BookingRequest, ContactMessage

STARTED_SALT = "contact.form.started"
SLOT_TAKEN = "Sorry, that slot was just taken. Please pick another time."
# Any control character, including newlines: a name is one line, and it ends up in email headers.
CONTROL_CHARACTERS = {chr(code) for code in range(32)} | {"\x7f", "\u0085", "\u2028", "\u2029"}


def started_token():
    return signing.dumps(time.time(), salt=STARTED_SALT)


def clean_single_line(value, field_label):
    if any(char in CONTROL_CHARACTERS for char in value):
        raise forms.ValidationError(f"Keep your {field_label} on one line.")
    return value


SEND_AGAIN = (
    "That was quicker than we expect from a person, so it was held back. "
    "Please check your details and press the button again."
)


class SpamChecksMixin(forms.Form):
    """A honeypot and a minimum fill time. Tripping either marks the submission as spam (stored, not emailed)."""

    # Hidden from people by CSS; a bot filling every field fills this one too.
    website = forms.CharField(required=False, label="Your website (leave this empty)")
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    spam_reason = ""
    # Autofill and paste can beat the minimum too, so a fast sender is asked to send again, not just dropped.
    too_fast = False

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
                started = float(signing.loads(self.data.get("started", ""), salt=STARTED_SALT))
            except (signing.BadSignature, TypeError, ValueError):
                self.spam_reason = "Missing or forged form timestamp."
            else:
                seconds = time.time() - started
                if seconds < settings.CONTACT_MIN_FILL_SECONDS:
                    self.spam_reason = f"Sent {seconds:.1f} s after the form loaded (too fast for a person)."
                    self.too_fast = True
        return cleaned

    def ask_to_send_again(self):
        """Keep the visitor's input, explain, and start the clock afresh for the second try."""
        self.data = self.data.copy()
        self.data["started"] = started_token()
        self.add_error(None, SEND_AGAIN)


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
        return clean_single_line(self.cleaned_data["name"], "name")


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
