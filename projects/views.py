from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from portfolio.mixins import StaffSeesDraftsMixin
from portfolio.tags import TAG_SLUG
from portfolio.twins import markdown_twin
from projects.models import Project, tagged_projects


class ProjectListView(ListView):
    template_name = "projects/project_list.html"
    context_object_name = "projects"

    def get_queryset(self):
        self.tech = self.request.GET.get("tech", "").strip()
        if not self.tech:
            return Project.objects.published().for_cards()
        if not TAG_SLUG.fullmatch(self.tech):
            return Project.objects.none()
        return tagged_projects(self.tech)

    def render_to_response(self, context, **kwargs):
        # No such filter: the empty state, as a 404, so neither crawlers nor the page cache keep it.
        status = 404 if self.tech and context["active_tech"] is None else 200
        return super().render_to_response(context, status=status, **kwargs)

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
    return markdown_twin(
        project,
        {
            "title": project.title,
            "date": project.published_at.isoformat(),
            "updated": project.updated_at.isoformat(),
            "tags": [tag.name for tag in project.tech.all()],
            "summary": project.summary,
            "repository": project.repo_url,
            "demo": project.demo_url,
        },
    )
