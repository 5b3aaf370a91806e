from collections import defaultdict
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from portfolio.cache import per_content_version
from portfolio.cards import Card
from portfolio.markdown import validate_renderable
from portfolio.models import web_url
from portfolio.publishing import Publishable, PublishableQuerySet, published_where
from portfolio.rows import Part, Rows, ordering
from portfolio.tags import NormalisedTagManager, pinned_tags, tag_list_field

# What no project card shows: left out of every card's query.
CARD_DEFERRED = ("body", "body_html", "search_text")
# What a project's card shows (Project.card_key), the only fields the cards' written rows load.
CARD_FIELDS = ("title", "slug", "summary", "repo_url", "demo_url", "cover_image", "tag_list")


class ProjectQuerySet(PublishableQuerySet):
    def with_tech(self):
        return self.prefetch_related("tech")

    def for_cards(self):
        """What a project card shows: not the case study's Markdown, HTML or search text."""
        return self.with_tech().defer(*CARD_DEFERRED)

    def tech_in_use(self):
        """The tags on published projects, each with `project_count`: the /projects/ filter links."""
        return (
            Tag.objects.filter(project__in=self.published())
            .annotate(project_count=Count("project"))
            .order_by(Lower("name"))
        )


class Project(Publishable):
    title = models.CharField(max_length=200, help_text="The project's name, e.g. “ResumeSnap”.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text="The end of the project's address, e.g. /projects/resumesnap/.",
    )
    summary = models.TextField(
        max_length=500, help_text="One or two sentences for the project cards, the home page and link previews."
    )
    body = MarkdownxField(
        blank=True,
        validators=[validate_renderable],
        help_text="The case study, in Markdown, with $…$ for math. Drag an image in to upload it.",
    )
    tech = TaggableManager(
        "tech stack",
        blank=True,
        manager=NormalisedTagManager,
        help_text="Technologies, separated by commas. They share tags with posts, so a tag's page shows both.",
    )
    repo_url = models.URLField(
        "repository URL",
        max_length=500,
        blank=True,
        validators=[web_url],
        help_text="Optional: the source code, e.g. https://github.com/you/project.",
    )
    demo_url = models.URLField(
        "live demo URL",
        max_length=500,
        blank=True,
        validators=[web_url],
        help_text="Optional: where visitors can try it.",
    )
    cover_image = models.ImageField(upload_to="projects/%Y/", blank=True, help_text="Optional; 1600×900 px works best.")
    cover_alt = models.CharField(max_length=250, blank=True, help_text="Describe the cover image for screen readers.")
    # The cover's WebP renditions, made once after it is uploaded (portfolio/renditions.py).
    cover_renditions = models.JSONField(editable=False, default=dict)
    # Its tech tags in its own row, kept by database triggers, so a list of cards is one statement (portfolio/tags.py).
    tag_list = tag_list_field()
    featured = models.BooleanField(default=False, help_text="Show this project on the home page.")
    order = models.PositiveIntegerField(
        default=0, help_text="Lower numbers come first, on the home page and in the projects list."
    )
    related_posts = models.ManyToManyField(
        "blog.Post",
        blank=True,
        related_name="build_log_projects",
        help_text="Posts written while building this project: its build log. Each one links back here.",
    )
    started = models.DateField(null=True, blank=True, help_text="Optional: when the work began.")
    ended = models.DateField(null=True, blank=True, help_text="Optional: leave empty while the project is ongoing.")

    objects = ProjectQuerySet.as_manager()

    class Meta(Publishable.Meta):
        ordering = ["order", "id"]
        get_latest_by = "updated_at"
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(started__isnull=True) | Q(ended__isnull=True) | Q(ended__gte=F("started")),
                name="project_ends_after_it_starts",
                violation_error_message="A project can't end before it starts.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:project_detail", kwargs={"slug": self.slug})

    def warm_paths(self):
        """The public pages that show this project, rendered into the page cache after it is published.

        Its tech tags have two pages each: the shared tag page, and the projects list filtered by the tag.
        """
        project_list = reverse("projects:project_list")
        tech = list(self.tech.all())
        return [
            reverse("home"),
            project_list,
            self.get_absolute_url(),
            *(reverse("tag_detail", kwargs={"slug": tag.slug}) for tag in tech),
            *(f"{project_list}?{urlencode({'tech': tag.slug})}" for tag in tech),
        ]

    def card_key(self):
        """Everything this project's card shows (projects/includes/project_card.html): its memo key."""
        return (
            self.pk,
            self.title,
            self.slug,
            self.summary,
            self.repo_url,
            self.demo_url,
            self.cover_image.name,
            tuple((tag.name, tag.slug) for tag in pinned_tags(self, "tech")),
        )

    def structured_data_key(self):
        """Everything the project's JSON-LD and shared-link image show: their memo key."""
        return (*self.card_key(), self.published_at, self.updated_at)

    @property
    def has_case_study(self):
        # A seeded project's body is its one-paragraph description, already shown as the summary.
        return bool(self.body.strip()) and self.body.strip() != self.summary.strip()

    def social_card(self, owner=""):
        """What this project's social card shows (portfolio.cards draws it)."""
        return Card(
            title=self.title,
            eyebrow="Project",
            details=tuple(tag.name for tag in list(pinned_tags(self, "tech"))[:4]),
            owner=owner,
        )

    def neighbours(self):
        """The previous and next published projects in the owner's order, or None at either end."""
        published = Project.objects.published().exclude(pk=self.pk)
        before = Q(order__lt=self.order) | Q(order=self.order, id__lt=self.id)
        after = Q(order__gt=self.order) | Q(order=self.order, id__gt=self.id)
        return (
            published.filter(before).order_by("-order", "-id").first(),
            published.filter(after).order_by("order", "id").first(),
        )


def build_log_panel(post):
    """Under a post: "Part of the build log of …", for the published projects that list it."""
    projects = build_logs().get(post.pk)
    return ("projects/includes/build_log_note.html", {"projects": projects}) if projects else None


@per_content_version(until_next_publish=True)
def build_logs():
    """Post id → the published projects that list it, in the projects' order: one query per content
    version for every post page, instead of one on each (a site has few such links)."""
    logs = defaultdict(list)
    listed = Project.objects.published().filter(related_posts__isnull=False)
    for project in listed.annotate(logged_post=F("related_posts")).only("title", "slug"):
        logs[project.logged_post].append(project)
    return dict(logs)


# What project cards show, through statements written once (portfolio/rows.py), as the lists' posts are.
CARD_ROWS = Rows(Project, only=CARD_FIELDS)
OWNERS_ORDER = f"ORDER BY {ordering(Project)}"


def featured_projects_part():
    """Published projects picked for the home page, in the owner's order, as cards show them: a Part
    (portfolio/rows.py), which home fetches in one statement with its posts."""
    published, values = published_where()
    featured = f"WHERE t.featured = %s AND {published}"
    return Part(CARD_ROWS, featured, [True, *values], order=ordering(Project), pin=Project.tech.prefetch)


def tagged_projects(slug):
    """Published projects carrying a tag, in the owner's order, as cards show them: for /projects/?tech=
    and the shared /tags/<slug>/ page, where a common tag lists dozens."""
    item, tag = TaggedItem._meta, Tag._meta
    carrying = (
        f"SELECT item.object_id FROM {item.db_table} item JOIN {tag.db_table} tag ON tag.id = item.tag_id"
        " WHERE item.content_type_id = %s AND tag.slug = %s"
    )
    published, values = published_where()
    content_type = ContentType.objects.get_for_model(Project)
    projects = CARD_ROWS.fetch(
        f"WHERE {published} AND t.id IN ({carrying}) {OWNERS_ORDER}", [*values, content_type.pk, slug]
    )
    Project.tech.prefetch(projects)
    return projects
