"""Template tags for how pages travel: the image a shared link shows, and the page's JSON-LD."""

from urllib.parse import urljoin

from django import template
from django.conf import settings
from django.urls import reverse
from taggit.models import Tag

from portfolio import structured_data
from portfolio.cards import addresses_depend_on, card_path, home_card, tag_card
from portfolio.links import absolute_url
from portfolio.templatetags.fragments import memoised

register = template.Library()


def _owner(context):
    return getattr(context.get("site_profile"), "owner_name", "")


@register.simple_tag(takes_context=True)
def share_image_url(context, item=None):
    """The absolute address of the image a shared link shows: the item's cover if it has one, else its card.

    item: a post or project (anything with social_card()), a tag, or nothing for the site's own card.
    """
    if item is None:
        path = card_path("site", "home", home_card(context.get("site_profile")))
    elif isinstance(item, Tag):
        path = card_path("tag", item.slug, tag_card(item, _owner(context)))
    elif getattr(item, "cover_image", None):
        # Media in object storage (S3) already has an absolute address; local media has a path.
        return urljoin(absolute_url("/"), item.cover_image.url)
    else:
        path = card_path(item._meta.model_name, item.slug, item.social_card(_owner(context)))
    return absolute_url(path)


def _script(context, key, build):
    """The JSON-LD element for data that build() makes, made once per process for each key.

    key: everything the data shows (the fragments' memo rule, portfolio/templatetags/fragments.py):
    building and serialising a post's took a sixth of its cold page. The nonce is the request's own.
    """
    # Addresses in the data are SITE_URL, reverse()'s paths and maybe a card's: what they depend on is in the key.
    key = (*key, settings.SITE_URL, addresses_depend_on())
    payload = memoised.get(key)
    if payload is None:
        payload = structured_data.payload(build())
        memoised.put(key, payload)
    # str(): django-csp's lazy nonce is falsy until read. A data block never runs, so the stale nonce
    # in a page served from the page cache is harmless: browsers apply script-src only to scripts.
    return structured_data.script(payload, str(context.get("csp_nonce", "")))


def _profile_key(profile):
    # None (no profile yet) and an empty name are different data: only a profile has an author.
    return profile and profile.owner_name


@register.simple_tag(takes_context=True)
def json_ld_home(context):
    """Person and WebSite, for the home page."""
    profile, links = context.get("site_profile"), context.get("social_links", ())
    key = (
        "json-ld-home",
        profile and (profile.owner_name, profile.headline, profile.avatar.name),
        tuple(link.url for link in links),
    )
    return _script(
        context,
        key,
        lambda: structured_data.graph(structured_data.person(profile, links), structured_data.website(profile)),
    )


@register.simple_tag(takes_context=True)
def json_ld_post(context, post):
    profile = context.get("site_profile")

    def build():
        trail = [
            ("Home", reverse("home")),
            ("Blog", reverse("blog:post_list")),
            (post.category.name, post.category.get_absolute_url()),
            (post.title, post.get_absolute_url()),
        ]
        posting = structured_data.blog_posting(post, profile, share_image_url(context, post))
        return structured_data.graph(posting, structured_data.breadcrumbs(trail))

    key = ("json-ld-post", _profile_key(profile), *post.structured_data_key())
    return _script(context, key, build)


@register.simple_tag(takes_context=True)
def json_ld_project(context, project):
    profile = context.get("site_profile")

    def build():
        trail = [
            ("Home", reverse("home")),
            ("Projects", reverse("projects:project_list")),
            (project.title, project.get_absolute_url()),
        ]
        work = structured_data.software_source_code(project, profile, share_image_url(context, project))
        return structured_data.graph(work, structured_data.breadcrumbs(trail))

    key = ("json-ld-project", _profile_key(profile), *project.structured_data_key())
    return _script(context, key, build)


@register.simple_tag(takes_context=True)
def json_ld_breadcrumbs(context, *names_and_paths):
    """Home, then each (name, path) pair given: {% json_ld_breadcrumbs "Blog" blog_url %}."""
    pairs = list(zip(names_and_paths[::2], names_and_paths[1::2], strict=True))
    key = ("json-ld-breadcrumbs", *pairs)
    return _script(
        context,
        key,
        lambda: structured_data.graph(structured_data.breadcrumbs([("Home", reverse("home")), *pairs])),
    )
