"""Both contact forms share one base for the fields every visitor fills in, so they can't drift apart."""

import pytest

from contact.forms import BookingForm, ContactForm

FORMS = [ContactForm, BookingForm]


@pytest.mark.parametrize("form_class", FORMS)
def test_both_forms_label_and_autocomplete_name_and_email_the_same_way(form_class):
    form = form_class()
    assert form.fields["name"].label == "Your name"
    assert form.fields["name"].widget.attrs["autocomplete"] == "name"
    assert form.fields["email"].widget.attrs["autocomplete"] == "email"
    # The model's help texts are for the owner; visitors see none on these fields.
    assert form.fields["name"].help_text == ""


@pytest.mark.parametrize("form_class", FORMS)
def test_both_forms_offer_a_topic_placeholder_rather_than_a_dash_line(form_class):
    choices = list(form_class().fields["topic"].choices)
    assert choices[0] == ("", "Choose a topic…")
    assert all(label != "---------" for _, label in choices)


@pytest.mark.parametrize("form_class", FORMS)
def test_both_forms_refuse_a_name_across_lines_and_explain_missing_fields(form_class):
    form = form_class(data={"name": "Ada\nBcc: x@example.com", "email": "", "topic": ""})
    assert not form.is_valid()
    assert form.errors["name"] == ["Keep your name on one line."]
    assert form.errors["email"] == ["Please give an email address I can reply to."]
    assert form.errors["topic"] == ["Please pick a topic."]


@pytest.mark.parametrize("form_class", FORMS)
def test_both_forms_carry_the_honeypot_and_the_time_trap(form_class):
    form = form_class(data={"website": "http://spam.example", "name": "Ada", "email": "a@example.com"})
    form.is_valid()
    assert {"website", "started"} <= set(form.fields)
    assert form.spam_reason == "Honeypot field filled in."
