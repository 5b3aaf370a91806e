from django.utils.text import slugify

from projects.models import Project

# The seed's tech lines lost their separators when the page was copied as text
# ("Agentic AILangGraphBrowser AutomationLLM"), and multi-word names such as
# "Agentic AI" make splitting them a guess. The issue lists each project's tech
# explicitly, so those lists are used, keyed by title.
TECH_BY_TITLE = {
    "UI-Navigator Agent": ["Agentic AI", "LangGraph", "Browser Automation", "LLM"],
    "ResumeSnap": ["NLP", "SpaCy", "Gemini", "FastAPI", "Azure"],
    "Gandom Bakery Platform": ["Next.js", "Stripe", "Real-time", "E-commerce"],
}


def seed_projects(content):
    """The seed's projects, published and featured in the seed's order.

    Only missing projects (by slug) are added, so the owner's edits always stand. The body is the
    seed's description: no case-study text is invented, and no repo or demo URL either.
    """
    added = 0
    for order, (_tech_line, title, description) in enumerate(content.projects):
        slug = slugify(title)
        if Project.objects.filter(slug=slug).exists():
            continue
        project = Project.objects.create(
            title=title,
            slug=slug,
            summary=description,
            body=description,
            featured=True,
            order=order,
            status=Project.Status.PUBLISHED,
        )
        # One at a time: taggit adds a batch in no particular order, and the seed's order reads best.
        for name in TECH_BY_TITLE.get(title, []):
            project.tech.add(name)
        added += 1
    return {"projects": added}
