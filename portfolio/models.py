import re
import zoneinfo
from io import BytesIO
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator, RegexValidator, URLValidator
from django.db import models
from django.urls import reverse
from PIL import Image, ImageOps

from portfolio.markdown import render

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


# What seed_demo puts in before the owner has said who they are: the site must not present these as real.
PLACEHOLDER_OWNER_NAMES = {"", "Portfolio"}
# RFC 2606 keeps these domains for examples; no real visitor's message would ever reach them.
PLACEHOLDER_EMAIL_DOMAINS = {"example.com", "example.org", "example.net"}
PORTRAIT_SIZE = 320  # px square: sharp at the 160 px it is shown at, on a 2x screen


def validate_time_zone(value):
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError("Pick an IANA time zone such as Europe/Berlin or America/Toronto.")


def square_webp(image_file, size):
    """A centred square crop of an uploaded image, as WebP bytes (metadata such as GPS positions dropped)."""
    image_file.seek(0)
    with Image.open(image_file) as image:
        image = ImageOps.exif_transpose(image)
        image = ImageOps.fit(image.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
        out = BytesIO()
        image.save(out, "WEBP", quality=82, method=6)
        return out.getvalue()


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
    avatar = models.ImageField(
        "portrait", upload_to="profile/", blank=True, help_text="A photo of you; it is cropped to a square."
    )
    avatar_alt = models.CharField(
        "portrait alt text", max_length=200, blank=True, help_text="Describe the photo for screen readers."
    )
    # The small square the pages show, made from the portrait on save (the original can be large).
    portrait_thumbnail = models.ImageField(upload_to="profile/", blank=True, editable=False)
    short_bio = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences about you, shown beside your name on the About page and under posts.",
    )
    location = models.CharField(
        max_length=120, blank=True, help_text="Where you are, as you want it shown, e.g. “Toronto, Canada”."
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Your IANA time zone, e.g. America/Toronto; shown on the About page.",
    )
    about = models.TextField("about you", blank=True, help_text="Markdown: the longer story for the About page.")
    about_html = models.TextField(editable=False, default="")
    experience = models.TextField(
        blank=True,
        help_text="Markdown: roles and places, e.g. a list of “**Role**, Company (2021–now)”. Shown on the About page.",
    )
    experience_html = models.TextField(editable=False, default="")
    cv_url = models.CharField(
        "CV link",
        max_length=500,
        blank=True,
        validators=[validate_link],
        help_text="A full https:// address or a path on this site (e.g. an uploaded PDF) for your CV.",
    )
    meta_description = models.CharField(
        max_length=300, help_text="The summary search engines and link previews show (about 155 characters)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(SingletonModel.Meta):
        verbose_name = "site profile"

    def __str__(self):
        return self.owner_name

    def save(self, *args, **kwargs):
        self.about_html = render(self.about).html
        self.experience_html = render(self.experience).html
        portrait_is_new = bool(self.avatar) and not self.avatar._committed
        super().save(*args, **kwargs)
        # After the row is saved, because saving re-encodes a new upload (or drops one that isn't a
        # real image, see portfolio.uploads): the rendition is made from checked pixels only.
        if portrait_is_new or (self.portrait_thumbnail and not self.avatar):
            self._update_portrait_thumbnail()
            super().save(update_fields=["portrait_thumbnail"])

    def get_absolute_url(self):
        return reverse("about")

    def clean(self):
        super().clean()
        if self.avatar and not self.avatar_alt.strip():
            raise ValidationError({"avatar_alt": "Describe the portrait, for visitors who cannot see it."})

    def byline_key(self):
        """Everything a post's byline and author card show of the owner: their memo key."""
        return (self.owner_name, self.portrait_url, self.short_bio)  # has_real_name follows owner_name

    @property
    def has_real_name(self):
        return self.owner_name.strip() not in PLACEHOLDER_OWNER_NAMES

    @property
    def has_real_contact_email(self):
        domain = self.contact_email.rpartition("@")[2].lower()
        return bool(self.contact_email) and domain not in PLACEHOLDER_EMAIL_DOMAINS

    @property
    def is_set_up(self):
        """The owner has said who they are and where messages go: until then the admin shows a checklist."""
        return self.has_real_name and self.has_real_contact_email

    @property
    def portrait_url(self):
        if self.portrait_thumbnail:
            return self.portrait_thumbnail.url
        return self.avatar.url if self.avatar else ""

    def _update_portrait_thumbnail(self):
        self.portrait_thumbnail = ""
        if not self.avatar:
            return
        try:
            with self.avatar.open("rb") as original:
                data = square_webp(original, PORTRAIT_SIZE)
        except (OSError, ValueError, Image.DecompressionBombError):
            return  # the pages fall back to the portrait itself
        self.portrait_thumbnail.save(f"portrait-{PORTRAIT_SIZE}.webp", ContentFile(data), save=False)


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

    @property
    def is_placeholder(self):
        """A platform's home page (https://github.com/) rather than the owner's own profile on it.

        seed_demo can only name the platforms; such a link would look real and lead nowhere useful,
        so the site leaves it out until the owner enters their profile's address.
        """
        return self.is_external and urlsplit(self.url).path.strip("/") == ""


DOI = RegexValidator(r"^10\.\d{4,9}/\S+$", "A DOI looks like 10.1109/TPDS.2026.1234567 (without https://doi.org/).")
BIBTEX_KEY_WORD = re.compile(r"[^a-z0-9]+")


def bibtex_value(text):
    # Braces are BibTeX's own delimiters; balanced text in braces keeps the author's capitals.
    return text.replace("{", "").replace("}", "")


class Publication(models.Model):
    """A paper or report, listed on the About page; a post may cite one."""

    title = models.CharField(max_length=300, help_text="The paper's title, as published.")
    authors = models.CharField(
        max_length=500,
        blank=True,
        help_text="Everyone, in the printed order, separated by commas, e.g. “Ada Lovelace, Charles Babbage”.",
    )
    venue = models.CharField(
        max_length=200,
        help_text="The journal or conference, e.g. “IEEE Transactions on Parallel and Distributed Systems”.",
    )
    year = models.PositiveSmallIntegerField(help_text="The year of publication.")
    volume = models.CharField(max_length=20, blank=True, help_text="Optional, e.g. 37.")
    issue = models.CharField("number", max_length=20, blank=True, help_text="The issue number, e.g. 2.")
    pages = models.CharField(max_length=30, blank=True, help_text="Optional, e.g. 101–114.")
    doi = models.CharField(
        "DOI", max_length=200, blank=True, validators=[DOI], help_text="Optional, e.g. 10.1109/TPDS.2026.1234567."
    )
    url = models.CharField(
        "URL",
        max_length=500,
        blank=True,
        validators=[web_url],
        help_text="The paper's page, when there is no DOI or it is somewhere else (e.g. arXiv).",
    )
    pdf = models.FileField(upload_to="publications/", blank=True, help_text="Optional: a PDF you may share.")
    bibtex = models.TextField(
        "BibTeX",
        blank=True,
        help_text="Paste the publisher's BibTeX entry. Leave empty to have one made from the fields above.",
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Within a year, lower numbers come first.")

    class Meta:
        ordering = ["-year", "order", "id"]
        get_latest_by = "year"

    def __str__(self):
        return f"{self.title} ({self.year})"

    def get_absolute_url(self):
        return reverse("about") + f"#{self.anchor}"

    @property
    def anchor(self):
        return f"publication-{self.pk}"

    @property
    def author_list(self):
        return [name.strip() for name in self.authors.split(",") if name.strip()]

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def link(self):
        """Where the paper's title points: its DOI, else its URL, else nowhere."""
        return self.doi_url or self.url

    @property
    def bibtex_key(self):
        surname = self.author_list[0].split()[-1] if self.author_list else "paper"
        first_word = next((w for w in BIBTEX_KEY_WORD.split(self.title.lower()) if len(w) > 3), "")
        return BIBTEX_KEY_WORD.sub("", f"{surname.lower()}{self.year}{first_word}")

    @property
    def citation_bibtex(self):
        """The owner's BibTeX entry, or one made from the fields."""
        if self.bibtex.strip():
            return self.bibtex.strip()
        fields = [
            ("title", self.title),
            ("author", " and ".join(self.author_list)),
            ("journal", self.venue),
            ("year", str(self.year)),
            ("volume", self.volume),
            ("number", self.issue),
            ("pages", self.pages.replace("–", "--")),
            ("doi", self.doi),
            ("url", self.url),
        ]
        lines = [f"  {name} = {{{bibtex_value(value)}}}" for name, value in fields if value]
        return "@article{" + self.bibtex_key + ",\n" + ",\n".join(lines) + "\n}"

    def json_ld(self):
        """schema.org ScholarlyArticle, for search engines and citation managers."""
        data = {
            "@context": "https://schema.org",
            "@type": "ScholarlyArticle",
            "headline": self.title[:110],
            "name": self.title,
            "datePublished": str(self.year),
            "isPartOf": {"@type": "Periodical", "name": self.venue},
        }
        if self.author_list:
            data["author"] = [{"@type": "Person", "name": name} for name in self.author_list]
        if self.volume:
            data["isPartOf"] = {"@type": "PublicationVolume", "volumeNumber": self.volume, "isPartOf": data["isPartOf"]}
        if self.issue:
            data["isPartOf"] = {"@type": "PublicationIssue", "issueNumber": self.issue, "isPartOf": data["isPartOf"]}
        if self.pages:
            data["pagination"] = self.pages
        if self.doi:
            data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": self.doi}
            data["sameAs"] = self.doi_url
        if self.link:
            data["url"] = self.link
        return data


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
