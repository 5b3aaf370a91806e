"""The layers of docs/architecture.md that Python's import contracts (lint-imports) cannot see."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_blog_templates_never_name_the_projects_app():
    for template in (ROOT / "templates" / "blog").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"projects[:/]|build_log_projects", text), template


def test_the_page_cache_lists_no_app_labels():
    source = (ROOT / "portfolio" / "cache.py").read_text()
    for label in ("blog", "projects", "contact"):
        assert f'"{label}"' not in source


def test_the_repository_links_only_to_files_inside_it():
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        for target in re.findall(r"\]\(([^)#]+)", path.read_text()):
            if not target.startswith(("http://", "https://", "mailto:")):
                resolved = (path.parent / target).resolve()
                assert resolved.is_relative_to(ROOT) and resolved.exists(), (path.name, target)
