import re

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from portfolio.mixins import StaffSeesDraftsMixin
from portfolio.twins import markdown_twin
from projects.models import Project

# The shape of a taggit slug. Anything else cannot match a tag, so it is answered without a query
# (and never reaches the database: Postgres rejects NUL bytes with an error).
TECH_SLUG = re.compile(r"[-\w]{1,100}")


class ProjectListView(ListView):
    template_name = "projects/project_list.html"
    context_object_name = "projects"

    def get_queryset(self):
        self.tech = self.request.GET.get("tech", "").strip()
        if not self.tech:
            return Project.objects.published().with_tech()
        if not TECH_SLUG.fullmatch(self.tech):
            return Project.objects.none()
        return Project.objects.tagged(self.tech)

    def get_context_data(self, **kwargs):
        techs = list(Project.objects.tech_in_use())
        return super().get_context_data(
            techs=techs,
            tech=self.tech,
            active_tech=next((tag for tag in techs if tag.slug == self.tech), None),
            **kwargs,
        )


class ProjectDetailView(StaffSeesDraftsMixin, DetailView):
    model = Project
    template_name = "projects/project_detail.html"
    context_object_name = "project"

    def get_queryset(self):
        return super().get_queryset().with_tech()

    def get_context_data(self, **kwargs):
        previous_project, next_project = self.object.neighbours()
        return super().get_context_data(
            related_posts=self.object.related_posts.published().select_related("category").order_by("published_at"),
            previous_project=previous_project,
            next_project=next_project,
            **kwargs,
        )


def project_markdown(request, slug):
    """/projects/<slug>.md: a published project's case study as Markdown with front matter; drafts are 404s."""
    project = get_object_or_404(Project.objects.published().with_tech(), slug=slug)
    published_at = getattr(project, "published_at", None)
    return markdown_twin(
        project,
        {
            "title": project.title,
            "date": published_at.isoformat() if published_at else None,
            "updated": project.updated_at.isoformat(),
            "tags": [tag.name for tag in project.tech.all()],
            "summary": project.summary,
            "repository": project.repo_url,
            "demo": project.demo_url,
        },
    )
