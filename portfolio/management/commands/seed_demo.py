from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse_lazy

from blog.seed import seed_blog
from contact.seed import seed_contact
from portfolio.models import FocusArea, SiteProfile, SocialLink
from portfolio.seed import SEED_FILE, load_seed
from projects.seed import seed_projects

# The seed names the platforms but not the owner's profile addresses; the owner
# replaces these with their own in the admin ("Social links").
FIND_ME_LINKS = [
    ("GitHub", "https://github.com/", SocialLink.Kind.GITHUB),
    ("LinkedIn", "https://www.linkedin.com/", SocialLink.Kind.LINKEDIN),
    ("NotebookLM", "https://notebooklm.google.com/", SocialLink.Kind.NOTEBOOKLM),
    ("Book a quick intro call", reverse_lazy("contact:booking_form"), SocialLink.Kind.BOOKING),
]


def seed_site(content):
    """The profile, focus areas and Find me links; never touches what the owner already has."""
    created = {"profile": 0, "focus areas": 0, "social links": 0}
    if SiteProfile.load() is None:
        SiteProfile.objects.create(
            owner_name="Portfolio",
            headline=content.headline,
            intro=content.intro,
            tagline=content.tagline,
            connect_text=content.connect_text,
            contact_email="owner@example.com",
            meta_description=content.intro,
        )
        created["profile"] = 1
    # Seeded only while empty: once the owner has renamed, removed or reordered them, theirs stand.
    if not FocusArea.objects.exists():
        FocusArea.objects.bulk_create(
            FocusArea(title=title, description=description, order=order)
            for order, (title, description) in enumerate(content.focus_areas)
        )
        created["focus areas"] = len(content.focus_areas)
    if not SocialLink.objects.exists():
        SocialLink.objects.bulk_create(
            SocialLink(label=label, url=url, kind=kind, order=order)
            for order, (label, url, kind) in enumerate(FIND_ME_LINKS)
        )
        created["social links"] = len(FIND_ME_LINKS)
    return created


class Command(BaseCommand):
    help = "Load the owner's content from content/seed.txt. Safe to run again: it only adds what is missing."

    def add_arguments(self, parser):
        parser.add_argument("--seed-file", default=SEED_FILE, help="Path to the seed text (default: %(default)s).")

    @transaction.atomic
    def handle(self, *args, seed_file, **options):
        content = load_seed(seed_file)
        created = seed_site(content) | seed_blog(content) | seed_projects(content) | seed_contact(content)
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded from {seed_file}: added {summary}."))
