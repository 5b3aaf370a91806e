import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.urls import reverse

# URLField alone also accepts ftp://; a visitor's browser should only ever be sent to a web page.
WEB_URL_MESSAGE = "Enter a full http:// or https:// address."
web_url = URLValidator(schemes=["http", "https"], message=WEB_URL_MESSAGE)


# What the WHATWG URL parser removes before reading an address: C0 controls and spaces at either end,
# and ASCII tabs and newlines anywhere (so "/\t/evil.example/" is followed as "//evil.example/").
_URL_EDGES = "".join(chr(code) for code in range(0x21))
_TABS_AND_NEWLINES = re.compile(r"[\t\n\r]")


def browser_url(value):
    """The address a browser actually follows for this href."""
    return _TABS_AND_NEWLINES.sub("", value.strip(_URL_EDGES))


def validate_link(value):
    """Allow web links, mailto: and site paths only, so no `javascript:` URL reaches a page."""
    url = browser_url(value)  # checked as the browser will read it, not as typed
    # Browsers read "//host" and "/\host" as another site, so only a plain path counts as ours.
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        pass  # a path on this site, such as /contact/book/
    elif url.startswith("mailto:"):
        EmailValidator(message="Enter a valid email address after mailto:.")(url.removeprefix("mailto:"))
    else:
        web_url(url)
    if url != value:
        raise ValidationError("Remove the spaces, tabs or line breaks in the address: browsers drop them.")


class SingletonModel(models.Model):
    """A model the database allows exactly one row of: id 1, enforced by a check constraint."""

    class Meta:
        abstract = True
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="%(app_label)s_%(class)s_single_row")]

    def save(self, *args, **kwargs):
        self.pk = 1  # the one row; saving a second instance updates it rather than adding another
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        """The row, or None before anyone has created it."""
        return cls.objects.filter(pk=1).first()


class SiteProfile(SingletonModel):
    """The owner's identity and home-page copy."""

    owner_name = models.CharField(max_length=120, help_text="Your name, as shown in the header and page titles.")
    headline = models.CharField(max_length=200, help_text="The big line at the top of the home page.")
    intro = models.TextField(help_text="One or two sentences under the headline.")
    tagline = models.CharField(
        max_length=200, blank=True, help_text="A short line under the intro, e.g. what visitors find here."
    )
    connect_text = models.TextField(
        blank=True, help_text="The invitation in the home page's Connect section, above the contact buttons."
    )
    contact_email = models.EmailField(help_text="Where contact messages and intro-call requests are emailed.")
    acknowledge_visitors = models.BooleanField(
        default=True, help_text="Send visitors a short confirmation email when they write or book a call."
    )
    avatar = models.ImageField(upload_to="profile/", blank=True, help_text="A square photo works best (400×400 px).")
    avatar_alt = models.CharField(max_length=200, blank=True, help_text="Describe the photo for screen readers.")
    meta_description = models.CharField(
        max_length=300, help_text="The summary search engines and link previews show (about 155 characters)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(SingletonModel.Meta):
        verbose_name = "site profile"

    def __str__(self):
        return self.owner_name

    def get_absolute_url(self):
        return reverse("home")


class OrderedVisible(models.Model):
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")
    is_visible = models.BooleanField(default=True, help_text="Untick to hide it from the site without deleting it.")

    class Meta:
        abstract = True
        ordering = ["order", "id"]


class FocusArea(OrderedVisible):
    """A card in the home page's "What I work on" section."""

    title = models.CharField(max_length=80, unique=True, help_text="A short name, e.g. “Distributed Storage”.")
    description = models.TextField(max_length=400, help_text="One or two sentences about this area.")

    class Meta(OrderedVisible.Meta):
        verbose_name = "focus area"

    def __str__(self):
        return self.title


class SocialLink(OrderedVisible):
    """A "Find me" link, shown on the home page and in the footer."""

    class Kind(models.TextChoices):
        GITHUB = "github", "GitHub"
        LINKEDIN = "linkedin", "LinkedIn"
        NOTEBOOKLM = "notebooklm", "NotebookLM"
        BOOKING = "booking", "Book a call"
        EMAIL = "email", "Email"
        OTHER = "other", "Other"

    label = models.CharField(max_length=60, help_text="The link text visitors see, e.g. “GitHub”.")
    url = models.CharField(
        "URL",
        max_length=500,
        validators=[validate_link],
        help_text="A full https:// address, a mailto: address, or a path on this site such as /contact/book/.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER, help_text="Picks the icon.")

    class Meta(OrderedVisible.Meta):
        verbose_name = "social link"
        constraints = [models.UniqueConstraint(fields=["label"], name="social_link_unique_label")]

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        if self.kind == self.Kind.EMAIL and not self.url.startswith("mailto:"):
            raise ValidationError({"url": "An email link starts with mailto:, e.g. mailto:you@example.com."})

    @property
    def is_external(self):
        return self.url.startswith(("http://", "https://"))


class ContentVersion(SingletonModel):
    """Which version of the public content is current; cached pages are keyed by it (see portfolio.cache).

    It lives in the database, not the cache, so that every process sees every write, whatever its cache
    settings: database triggers on the content tables bump it, so no code path can forget to.
    """

    version = models.BigIntegerField(default=0)

    class Meta(SingletonModel.Meta):
        verbose_name = "content version"

    def __str__(self):
        return f"Content version {self.version}"
