"""Reads the owner's content file (content/seed.txt) into plain Python data.

The file is the owner's site copy pasted as text: section headings on their own
lines, then the section's items. Each app's `seed.py` turns its part into rows.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

SEED_FILE = Path(settings.BASE_DIR) / "content" / "seed.txt"
SECTIONS = ("Find me", "What I work on", "Projects", "Recent posts", "Connect")
POST_META = re.compile(r"^#(?P<tag>\w+)\s*·+\s*(?P<minutes>\d+)\s*min", re.IGNORECASE)
HASHTAG = re.compile(r"#(\w+)")
# How the seed's posts name a paper: "Title" (published in Venue*, Vol. 37, No. 2, February 2026).
PAPER = re.compile(
    r"[\"“](?P<title>[^\"”]{10,300})[\"”]\s*\(published in (?P<venue>[^,*()]+)\*?,\s*"
    r"Vol\.\s*(?P<volume>\w+),\s*No\.\s*(?P<issue>\w+),\s*(?:[A-Z][a-z]+\s+)?(?P<year>\d{4})\)"
)


@dataclass
class SeedPost:
    category: str
    primary_tag: str
    reading_minutes: int
    title: str
    body: str
    tags: list = field(default_factory=list)


@dataclass
class SeedPublication:
    title: str
    venue: str
    volume: str
    issue: str
    year: int


@dataclass
class SeedContent:
    headline: str
    intro: str
    tagline: str
    focus_areas: list  # [(title, description)]
    projects: list  # [(tech line as printed, title, description)]
    posts: list  # [SeedPost]
    connect_text: str
    publications: list = field(default_factory=list)  # [SeedPublication], the papers the posts name


def _sections(lines):
    """The lines before the first heading, then each heading's lines."""
    sections, current = {"": []}, ""
    for line in lines:
        if line in SECTIONS:
            current = line
            sections[current] = []
        else:
            sections[current].append(line)
    return sections


def _posts(lines):
    posts, i = [], 0
    while i < len(lines):
        category, meta, title, body = lines[i : i + 4]
        match = POST_META.match(meta)
        if not match:
            raise ValueError(f"Expected a post's '#tag··N min' line, got: {meta[:60]!r}")
        i += 4
        trailing = ""
        if i < len(lines) and lines[i].startswith("#") and not POST_META.match(lines[i]):
            trailing = lines[i]
            i += 1
        else:
            # Some posts end their body with the hashtags instead of a separate line.
            body, _, trailing = body.partition(" #")
            trailing = "#" + trailing if trailing else ""
        tags = [match["tag"]] + [tag for tag in HASHTAG.findall(trailing) if tag != match["tag"]]
        posts.append(SeedPost(category, match["tag"], int(match["minutes"]), title, body.strip(), tags))
    return posts


def _publications(posts):
    found = {}
    for post in posts:
        for match in PAPER.finditer(post.body):
            paper = SeedPublication(
                match["title"].strip(), match["venue"].strip(), match["volume"], match["issue"], int(match["year"])
            )
            found.setdefault(paper.title, paper)
    return list(found.values())


def load_seed(path=SEED_FILE):
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    sections = _sections(lines)
    headline, intro_paragraph = sections[""][:2]
    # The intro's last sentence ("Projects, live demos…") reads as the tagline.
    intro, _, tagline = intro_paragraph.rpartition(". ")
    focus = sections["What I work on"]
    projects = sections["Projects"]
    posts = _posts(sections["Recent posts"])
    return SeedContent(
        headline=headline,
        intro=f"{intro}." if tagline else intro_paragraph,
        tagline=tagline,
        focus_areas=list(zip(focus[::2], focus[1::2], strict=True)),
        projects=[tuple(projects[i : i + 3]) for i in range(0, len(projects), 3)],
        posts=posts,
        connect_text=" ".join(sections["Connect"]),
        publications=_publications(posts),
    )
