"""JSON-LD (schema.org) for the public pages: who the owner is, what each page is, and where it sits.

Built from the same objects the page shows, so the values match it. Serialised with the escaping of
Django's json_script: "<", ">" and "&" become \\u escapes, so nothing an author types (a title with
"</script>", say) can end the script element early.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from portfolio.links import absolute_url as absolute

_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
CONTEXT = "https://schema.org"


def payload(data):
    """data as JSON that is safe inside a script element."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_SAFE)


def script(payload, nonce=""):
    """A <script type="application/ld+json"> element holding a payload(), safe to put in the page as is."""
    nonce_attribute = format_html(' nonce="{}"', nonce) if nonce else ""
    return format_html('<script type="application/ld+json"{}>{}</script>', nonce_attribute, mark_safe(payload))


def person(profile, social_links=()):
    if profile is None:
        return None
    data = {"@type": "Person", "@id": absolute("/#person"), "name": profile.owner_name, "url": absolute("/")}
    if profile.headline:
        data["description"] = profile.headline
    if profile.avatar:
        data["image"] = absolute(profile.avatar.url)
    same_as = [link.url for link in social_links if link.url.startswith(("https://", "http://"))]
    if same_as:
        data["sameAs"] = same_as
    return data


def website(profile):
    return {
        "@type": "WebSite",
        "@id": absolute("/#website"),
        "name": profile.owner_name if profile else "Portfolio",
        "url": absolute("/"),
        "inLanguage": "en",
        **({"author": {"@id": absolute("/#person")}} if profile else {}),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": absolute(reverse("search")) + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }


def breadcrumbs(trail):
    """trail: [(name, path)], from the home page to this page."""
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute(path)}
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def _author(profile):
    return {"@type": "Person", "name": profile.owner_name, "url": absolute("/")} if profile else None


def blog_posting(post, profile, image_url):
    url = absolute(post.get_absolute_url())
    data = {
        "@type": "BlogPosting",
        "@id": url + "#article",
        "headline": post.title,
        "description": post.summary,
        "url": url,
        "mainEntityOfPage": url,
        # A draft (seen only by staff) has no publish time yet.
        "datePublished": post.published_at,
        "dateModified": max(post.updated_at, post.published_at) if post.published_at else post.updated_at,
        "articleSection": post.category.name,
        "keywords": [tag.name for tag in post.tags.all()],
        "wordCount": post.word_count,
        "timeRequired": f"PT{post.reading_time}M",
        "image": image_url,
        "inLanguage": "en",
    }
    if profile:
        data["author"] = _author(profile)
    return data


def software_source_code(project, profile, image_url):
    url = absolute(project.get_absolute_url())
    tech = [tag.name for tag in project.tech.all()]
    data = {
        "@type": "SoftwareSourceCode" if project.repo_url else "CreativeWork",
        "@id": url + "#project",
        "name": project.title,
        "description": project.summary,
        "url": url,
        "datePublished": project.published_at,
        "dateModified": project.updated_at,
        "keywords": tech,
        "image": image_url,
    }
    if project.repo_url:
        data["codeRepository"] = project.repo_url
        data["programmingLanguage"] = tech
    if project.demo_url:
        data["sameAs"] = project.demo_url
    if profile:
        data["author"] = _author(profile)
    return data


def graph(*items):
    return {"@context": CONTEXT, "@graph": [item for item in items if item]}
