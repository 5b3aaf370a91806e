import email
from email import policy

import pytest
from aiosmtpd.controller import Controller

from contact.tests.factories import free_port


class Sink:
    """An SMTP server on loopback that keeps what it receives, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


class SmtpSink:
    def __init__(self, port):
        self.port = port
        self.handler = Sink()
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_settings(settings):
    """Django pointed at a real SMTP port on loopback, with nothing listening yet."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def smtp_sink(smtp_settings):
    sink = SmtpSink(smtp_settings.EMAIL_PORT)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_down(smtp_settings):
    """The sink, not started: sends fail with connection refused until the test calls start()."""
    sink = SmtpSink(smtp_settings.EMAIL_PORT)
    yield sink
    sink.stop()


@pytest.fixture
def submit(client, django_capture_on_commit_callbacks):
    """POST as a visitor, then run what the view queued for after the commit (the owner's notification)."""

    def post(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **extra)

    return post
