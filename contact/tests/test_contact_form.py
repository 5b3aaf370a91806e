import pytest
from django.core import mail
from django.urls import reverse

from contact.about import resolve_about
from contact.models import ContactMessage
from contact.tests.factories import contact_data
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db
URL = reverse("contact:contact_form")


@pytest.fixture(autouse=True)
def profile():
    return make_profile()


def test_a_valid_message_is_stored_then_redirects_to_the_thank_you_page(client):
    response = client.post(URL, contact_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("contact:sent")
    message = ContactMessage.objects.get()
    assert (message.name, message.email, message.topic) == ("Grace Visitor", "grace@example.org", "distributed-systems")
    assert message.status == ContactMessage.Status.NEW
    assert len(message.ip_hash) == 32 and "127.0.0.1" not in message.ip_hash
    assert client.get(response["Location"]).status_code == 200


def test_the_owner_is_emailed_with_reply_to_the_visitor_and_a_link_to_the_admin(submit):
    submit(URL, contact_data())
    message = ContactMessage.objects.get()
    owner, ack = mail.outbox
    assert owner.to == ["owner@example.com"]
    assert owner.reply_to == ["grace@example.org"]
    assert owner.subject == "[Contact] Distributed systems from Grace Visitor"
    assert f"/admin/contact/contactmessage/{message.pk}/change/" in owner.body
    assert owner.alternatives[0].mimetype == "text/html"
    assert ack.to == ["grace@example.org"]
    message.refresh_from_db()
    assert message.notified_at is not None and message.notify_attempts == 1 and message.last_error == ""


def test_the_visitor_gets_no_acknowledgement_when_the_owner_turns_it_off(submit, profile):
    profile.acknowledge_visitors = False
    profile.save()
    submit(URL, contact_data())
    assert [email.to for email in mail.outbox] == [["owner@example.com"]]


def test_the_form_page_is_never_cached(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("name", "", "Please tell me your name."),
        ("name", "   \t ", "Please tell me your name."),
        ("email", "not-an-email", "That email address doesn’t look right."),
        ("email", "", "Please give an email address I can reply to."),
        ("topic", "gardening", "Please pick a topic from the list."),
        ("message", "   \n\n  ", "Please write a message."),
        ("message", "x" * 5001, "Please keep this to 5000 characters or fewer (it has 5001)."),
        ("name", "y" * 101, "Please keep this to 100 characters or fewer (it has 101)."),
    ],
)
def test_invalid_input_is_refused_with_a_message_next_to_the_field(client, field, value, error):
    response = client.post(URL, contact_data(**{field: value}))
    assert response.status_code == 200
    assert not ContactMessage.objects.exists()
    assert response.context["form"].errors[field] == [error]
    html = response.content.decode()
    # Next to the field, linked to it for screen readers, and named in the summary at the top.
    assert f'id="id_{field}_error"' in html
    assert f'aria-describedby="id_{field}' in html and "aria-invalid" in html
    assert 'class="error-summary"' in html and f'href="#id_{field}"' in html
    assert response.context["form"][field].label in html


def test_the_visitors_input_is_kept_when_the_form_is_shown_again(client):
    response = client.post(URL, contact_data(email="nope", message="My carefully written <b>message</b>"))
    html = response.content.decode()
    assert 'value="Grace Visitor"' in html
    assert 'value="nope"' in html
    assert "My carefully written &lt;b&gt;message&lt;/b&gt;" in html
    assert 'value="distributed-systems" selected' in html


def test_a_message_at_the_5000_character_limit_is_accepted(client):
    assert client.post(URL, contact_data(message="z" * 5000)).status_code == 302
    assert len(ContactMessage.objects.get().message) == 5000


def test_unicode_input_is_stored_and_emailed_intact(submit):
    submit(URL, contact_data(name="Zoë Ångström 李雷", message="Grüße 👋 — «bonjour»"))
    message = ContactMessage.objects.get()
    assert message.name == "Zoë Ångström 李雷" and message.message == "Grüße 👋 — «bonjour»"
    assert mail.outbox[0].subject == "[Contact] Distributed systems from Zoë Ångström 李雷"
    assert "Grüße 👋" in mail.outbox[0].body


def test_about_records_the_post_the_visitor_was_reading(client, submit):
    from blog.models import Category, Post

    category = Category.objects.create(name="Systems", slug="systems")
    Post.objects.create(
        title="Raft in practice", slug="raft-in-practice", category=category, summary="S", body="B", status="published"
    )
    page = client.get(URL, {"about": "raft-in-practice"})
    assert "Raft in practice" in page.content.decode()
    assert 'name="about" value="raft-in-practice"' in page.content.decode()

    submit(URL, contact_data(about="raft-in-practice"))
    assert ContactMessage.objects.get().about == "raft-in-practice"
    assert "About: Raft in practice (post)" in mail.outbox[0].body


def test_about_pointing_at_a_draft_is_stored_but_not_shown(client):
    from blog.models import Category, Post

    category = Category.objects.create(name="Systems", slug="systems")
    Post.objects.create(title="Secret draft", slug="secret-draft", category=category, summary="S", body="B")
    assert "Secret draft" not in client.get(URL, {"about": "secret-draft"}).content.decode()


ODD_ABOUTS = [
    "\x00",
    "raft-in-practice\x00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "a b",
    "x" * 201,
    "x" * 10_000,
]


@pytest.mark.parametrize("about", ODD_ABOUTS)
def test_odd_about_values_are_ignored_safely(client, about):
    # A NUL byte used to reach the query and 500 on Postgres, and to make the form invalid over a hidden field.
    page = client.get(URL, {"about": about})
    assert page.status_code == 200 and page.context["form"]["about"].value() == ""
    assert client.post(URL, contact_data(about=about)).status_code == 302
    assert ContactMessage.objects.get().about == ""


@pytest.mark.parametrize("about", ODD_ABOUTS)
def test_an_about_that_is_not_a_slug_never_reaches_the_database(about, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert resolve_about(about) is None


def test_a_post_page_links_to_the_contact_form_about_that_post(client):
    from blog.tests.factories import make_post

    post = make_post("Raft in practice", slug="raft-in-practice")
    html = client.get(post.get_absolute_url()).content.decode()
    assert f'href="{URL}?about=raft-in-practice">Questions about this? Write to me</a>' in html
    assert client.get(URL, {"about": "raft-in-practice"}).context["about"].title == "Raft in practice"


def test_a_project_page_links_to_the_contact_form_about_that_project(client):
    from projects.tests.factories import make_project

    project = make_project("Raft Store", slug="raft-store")
    html = client.get(project.get_absolute_url()).content.decode()
    assert f'href="{URL}?about=raft-store">Questions about this? Write to me</a>' in html
    assert client.get(URL, {"about": "raft-store"}).context["about"].title == "Raft Store"
