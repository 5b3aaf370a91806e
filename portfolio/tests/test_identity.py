"""The owner's identity: profile, About page, publications and citations, bylines, setup checklist."""

import json
import re
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import Image

from blog.models import Post
from blog.tests.factories import make_post, make_series
from portfolio.models import Publication, SiteProfile, SocialLink
from portfolio.tests.factories import make_profile, make_publication, make_social_link

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json" nonce="[^"]*">(.*?)</script>', re.DOTALL)


def png_upload(width=800, height=600, name="me.png"):
    buffer = BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# The setup checklist ------------------------------------------------------------------------


def checklist_shown(admin_client):
    return "Finish setting up your site" in admin_client.get(reverse("admin:index")).content.decode()


def test_the_admin_index_shows_the_setup_checklist_while_the_seeds_placeholders_stand(admin_client):
    call_command("seed_demo", verbosity=0)
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Finish setting up your site" in page
    assert "To do:</span> Enter your name" in page
    assert "To do:</span> Enter the email address" in page
    assert reverse("admin:portfolio_siteprofile_change", args=[1]) in page


def test_the_checklist_disappears_once_the_owner_has_a_name_and_a_contact_email(admin_client):
    call_command("seed_demo", verbosity=0)
    SiteProfile.objects.update(owner_name="Ada Lovelace")
    assert checklist_shown(admin_client)  # the placeholder email still stands
    SiteProfile.objects.update(contact_email="ada@lovelace.dev")
    assert not checklist_shown(admin_client)


def test_the_checklist_marks_the_steps_already_done(admin_client):
    call_command("seed_demo", verbosity=0)
    SiteProfile.objects.update(owner_name="Ada Lovelace", short_bio="Builds things.")
    SocialLink.objects.filter(url="https://github.com/").update(url="https://github.com/ada")
    assert "To do:</span> Point the Find me links" in admin_client.get(reverse("admin:index")).content.decode()
    SocialLink.objects.filter(url__in=["https://www.linkedin.com/", "https://notebooklm.google.com/"]).delete()
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Done:</span> Enter your name" in page
    assert "Done:</span> Write a short bio" in page
    assert "Done:</span> Point the Find me links" in page
    assert "To do:</span> Upload a portrait" in page


def test_a_real_name_with_the_placeholder_email_still_needs_setting_up():
    profile = make_profile(owner_name="Ada", contact_email="someone@example.org")
    assert profile.has_real_name and not profile.has_real_contact_email and not profile.is_set_up


def test_the_checklist_asks_for_a_profile_when_there_is_none(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Finish setting up your site" in page
    assert reverse("admin:portfolio_siteprofile_add") in page


# Nothing that looks finished but is false ---------------------------------------------------


def test_links_to_a_platforms_home_page_are_hidden_until_they_point_at_the_owner(client):
    make_profile()
    make_social_link("GitHub", "https://github.com/")
    make_social_link("LinkedIn", "https://www.linkedin.com/in/ada-example")
    page = client.get("/").content.decode()
    assert 'href="https://github.com/"' not in page
    assert 'href="https://www.linkedin.com/in/ada-example"' in page


def test_the_seeded_site_shows_no_placeholder_links_name_or_email(client):
    call_command("seed_demo", verbosity=0)
    for url in ["/", "/about/", "/blog/"]:
        page = client.get(url).content.decode()
        assert 'https://github.com/"' not in page and 'https://www.linkedin.com/"' not in page
        assert "owner@example.com" not in page
        assert "By <a" not in page  # no byline for a placeholder name
        assert "© 2026 Portfolio" not in page


def test_home_has_exactly_one_booking_call_to_action(client):
    call_command("seed_demo", verbosity=0)
    page = client.get("/").content.decode()
    assert page.count('href="/contact/book/"') == 1
    assert "Book a quick intro call" in page


# Profile fields ------------------------------------------------------------------------------


def test_a_portrait_upload_gets_a_small_square_webp_rendition_without_metadata():
    buffer = BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
    Image.new("RGB", (800, 600), (200, 80, 40)).save(buffer, "JPEG", exif=exif)
    upload = SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")
    profile = make_profile(avatar=upload, avatar_alt="Ada, smiling")
    with Image.open(profile.portrait_thumbnail.path) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.size == (320, 320)
        assert not thumbnail.getexif() and "exif" not in thumbnail.info
    assert profile.portrait_url.endswith(".webp")
    # Saving again without a new portrait keeps the same rendition.
    name = profile.portrait_thumbnail.name
    profile.short_bio = "Builds things."
    profile.save()
    assert profile.portrait_thumbnail.name == name


def test_removing_the_portrait_removes_its_rendition():
    profile = make_profile(avatar=png_upload(), avatar_alt="Ada")
    assert profile.portrait_thumbnail
    profile.avatar = ""
    profile.save()
    assert not SiteProfile.load().portrait_thumbnail and SiteProfile.load().portrait_url == ""


def test_a_portrait_needs_alt_text():
    profile = make_profile(avatar=png_upload(), avatar_alt="")
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "avatar_alt" in error.value.message_dict


def test_the_time_zone_must_be_a_real_one():
    profile = make_profile(time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "time_zone" in error.value.message_dict
    profile.time_zone = "America/Toronto"
    profile.full_clean()


def test_the_cv_link_refuses_javascript_urls():
    profile = make_profile(cv_url="javascript:alert(1)")
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "cv_url" in error.value.message_dict


# The About page ------------------------------------------------------------------------------


def test_the_about_page_shows_the_bio_story_experience_cv_and_portrait(client):
    make_profile(
        owner_name="Ada Lovelace",
        short_bio="I write about engines.",
        location="London",
        time_zone="Europe/London",
        about="I like **analytical** engines.\n\n<script>alert(1)</script>",
        experience="- **Analyst**, Babbage & Co (1842–now)",
        cv_url="https://ada.example/cv.pdf",
        avatar=png_upload(),
        avatar_alt="Ada at her desk",
    )
    response = client.get(reverse("about"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Ada Lovelace</h1>" in page
    assert "I write about engines." in page
    assert "<strong>analytical</strong>" in page and "<script>alert(1)" not in page
    assert "<strong>Analyst</strong>, Babbage &amp; Co" in page
    assert 'href="https://ada.example/cv.pdf"' in page
    assert "London" in page and "Europe/London" in page
    assert 'alt="Ada at her desk"' in page


def test_the_about_page_describes_the_owner_as_a_schema_org_person(client):
    make_profile(owner_name="Ada Lovelace", short_bio="I write about engines.", location="London")
    make_social_link("GitHub", "https://github.com/ada")
    make_social_link("LinkedIn", "https://www.linkedin.com/")
    [raw] = JSON_LD.findall(client.get(reverse("about")).content.decode())
    data = json.loads(raw)
    assert data["@type"] == "ProfilePage"
    person = data["mainEntity"]
    assert person["@type"] == "Person" and person["name"] == "Ada Lovelace"
    assert person["description"] == "I write about engines."
    assert person["homeLocation"] == {"@type": "Place", "name": "London"}
    assert person["sameAs"] == ["https://github.com/ada"]  # not the platform's home page


def test_no_person_data_while_the_name_is_the_placeholder(client):
    make_profile(owner_name="Portfolio")
    assert "application/ld+json" not in client.get(reverse("about")).content.decode()


def test_the_about_markdown_is_rendered_when_the_profile_is_saved():
    profile = make_profile(about="# Hello")
    assert profile.about_html.startswith("<h2")  # the page's h1 is the name, so "#" becomes h2
    profile.about = "Now *different*."
    profile.save()
    assert "<em>different</em>" in SiteProfile.load().about_html


def test_the_about_page_lists_publications_newest_first_with_their_posts(client, count_queries):
    make_profile()
    old = make_publication("An older paper", year=2020, doi="10.1000/old.1")
    new = make_publication()
    make_post("Write-up", citation=new)
    make_post("Hidden draft", citation=new, status=Post.Status.DRAFT, published_at=None)
    page = client.get(reverse("about")).content.decode()
    assert page.index(new.title) < page.index(old.title)
    assert 'href="https://doi.org/10.1000/old.1"' in page
    assert "Written up in" in page and "Write-up" in page and "Hidden draft" not in page
    assert f'id="{new.anchor}"' in page
    few = count_queries(reverse("about"))
    for n in range(3):
        make_post(f"More {n}", citation=make_publication(f"Paper {n}"))
    assert count_queries(reverse("about")) == few


def test_the_about_page_is_in_the_nav_and_the_sitemap(client):
    make_profile()
    assert '<a href="/about/">About</a>' in client.get("/").content.decode()
    assert "/about/</loc>" in client.get("/sitemap-home.xml").content.decode()


# Publications and citations -----------------------------------------------------------------


def test_a_doi_must_look_like_one():
    publication = make_publication(doi="https://doi.org/10.1109/x")
    with pytest.raises(ValidationError) as error:
        publication.full_clean()
    assert "doi" in error.value.message_dict


def test_bibtex_is_made_from_the_fields_unless_the_owner_pasted_one():
    publication = make_publication(authors="Ada Lovelace, Charles Babbage", doi="10.1109/TPDS.2026.1")
    entry = publication.citation_bibtex
    assert entry.startswith("@article{lovelace2026accelerating,")
    assert "author = {Ada Lovelace and Charles Babbage}" in entry
    assert "journal = {IEEE Transactions on Parallel and Distributed Systems}" in entry
    assert "volume = {37}" in entry and "number = {2}" in entry and "doi = {10.1109/TPDS.2026.1}" in entry
    publication.bibtex = "@article{mine, title={Mine}}"
    assert publication.citation_bibtex == "@article{mine, title={Mine}}"


def test_a_post_citing_a_paper_shows_the_reference_bibtex_and_scholarly_article_json_ld(client):
    make_profile()
    publication = make_publication(authors="Ada Lovelace, Charles Babbage", doi="10.1109/TPDS.2026.1", pages="1–14")
    post = make_post(citation=publication)
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'class="citation"' in page
    assert "@article{lovelace2026accelerating," in page
    assert "data-copy-target" in page
    # The page also carries its own BlogPosting and breadcrumbs; the paper is its own block.
    [data] = [block for block in map(json.loads, JSON_LD.findall(page)) if block.get("@type") == "ScholarlyArticle"]
    assert data["@context"] == "https://schema.org"
    assert data["name"] == publication.title
    assert data["headline"] == publication.title  # Google's limit for a headline is 110 characters
    assert [author["name"] for author in data["author"]] == ["Ada Lovelace", "Charles Babbage"]
    assert {author["@type"] for author in data["author"]} == {"Person"}
    assert data["datePublished"] == "2026"
    assert data["identifier"] == {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1109/TPDS.2026.1"}
    assert data["url"] == data["sameAs"] == "https://doi.org/10.1109/TPDS.2026.1"
    issue = data["isPartOf"]
    assert issue["@type"] == "PublicationIssue" and issue["issueNumber"] == "2"
    assert issue["isPartOf"]["@type"] == "PublicationVolume" and issue["isPartOf"]["volumeNumber"] == "37"
    assert issue["isPartOf"]["isPartOf"] == {"@type": "Periodical", "name": publication.venue}


def test_editing_a_publication_refreshes_the_cached_about_page(client):
    make_profile()
    publication = make_publication("First title")
    assert "First title" in client.get(reverse("about")).content.decode()
    publication.title = "Corrected title"
    publication.save()
    assert "Corrected title" in client.get(reverse("about")).content.decode()


def test_a_post_without_a_citation_has_no_citation_box_or_json_ld(client):
    make_profile()
    page = client.get(make_post().get_absolute_url()).content.decode()
    assert 'class="citation"' not in page and "ScholarlyArticle" not in page


def test_json_ld_cannot_be_broken_out_of_by_a_title(client):
    make_profile()
    hostile = 'Evil </script><script>alert("x")</script> & <b>'
    post = make_post(citation=make_publication(hostile))
    page = client.get(post.get_absolute_url()).content.decode()
    blocks = JSON_LD.findall(page)
    assert blocks and all("<" not in raw and ">" not in raw for raw in blocks)
    [paper] = [data for data in map(json.loads, blocks) if data.get("@type") == "ScholarlyArticle"]
    assert paper["name"] == hostile


def test_the_json_ld_script_carries_the_csp_nonce(client):
    make_profile()
    post = make_post(citation=make_publication())
    response = client.get(post.get_absolute_url())
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    assert f'<script type="application/ld+json" nonce="{nonce}">' in response.content.decode()


# Bylines --------------------------------------------------------------------------------------


def test_posts_carry_a_byline_and_an_author_card_with_the_owners_name_portrait_and_bio(client):
    make_profile(owner_name="Ada Lovelace", short_bio="I write about engines.", avatar=png_upload(), avatar_alt="Ada")
    page = client.get(make_post().get_absolute_url()).content.decode()
    assert 'By <a href="/about/" rel="author">Ada Lovelace</a>' in page
    assert 'class="byline-portrait"' in page
    assert 'Written by <a href="/about/">Ada Lovelace</a>' in page
    assert "I write about engines." in page


def test_no_byline_or_author_card_while_the_name_is_the_placeholder(client):
    make_profile(owner_name="Portfolio")
    page = client.get(make_post().get_absolute_url()).content.decode()
    assert 'rel="author"' not in page and "Written by" not in page


# The seed --------------------------------------------------------------------------------------


def test_seed_demo_adds_the_tyche_paper_and_cites_it_from_the_tyche_post_once():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    publication = Publication.objects.get()
    assert publication.title == "Accelerating ML Inference via Opportunistic Pre-Loading on Serverless Clusters"
    assert publication.venue == "IEEE Transactions on Parallel and Distributed Systems"
    assert (publication.volume, publication.issue, publication.year) == ("37", "2", 2026)
    assert publication.authors == "" and publication.doi == ""  # the seed names neither: nothing is invented
    [post] = publication.citing_posts.all()
    assert post.title.startswith("Tyche")


def test_seed_demo_leaves_a_citation_the_owner_removed_alone():
    call_command("seed_demo", verbosity=0)
    Post.objects.filter(citation__isnull=False).update(citation=None)
    call_command("seed_demo", verbosity=0)
    assert not Post.objects.filter(citation__isnull=False).exists()


# Lists, errors --------------------------------------------------------------------------------


def test_list_entries_show_the_meta_once_and_say_when_a_post_is_part_of_a_series(client):
    make_profile()
    series = make_series("Agents as Distributed Systems")
    make_post("In a series", tags=["Agents", "Queues"], series=series, series_order=2)
    page = client.get("/blog/").content.decode()
    assert page.count("#Agents<") == 1  # the primary tag, in the meta line; no chip repeats it
    assert "#Queues" not in page  # the other tags are on the post's own page
    assert "Part 2 of the series <em>Agents as Distributed Systems</em>" in page


def test_the_404_page_offers_search_and_the_latest_posts(client):
    make_profile()
    make_post("Latest thoughts")
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'role="search"' in page and 'action="/search/"' in page
    assert "Latest thoughts" in page


def test_the_500_page_renders_without_any_context_and_has_navigation():
    page = render_to_string("500.html")
    for href in ["/", "/projects/", "/blog/", "/about/", "/contact/"]:
        assert f'href="{href}"' in page
    assert 'aria-label="Main"' in page


def test_the_publication_and_profile_admin_pages_open_and_save(admin_client):
    call_command("seed_demo", verbosity=0)
    publication = Publication.objects.get()
    for url in [
        reverse("admin:portfolio_publication_changelist"),
        reverse("admin:portfolio_publication_add"),
        reverse("admin:portfolio_publication_change", args=[publication.pk]),
        reverse("admin:portfolio_siteprofile_change", args=[1]),
        reverse("admin:blog_post_change", args=[publication.citing_posts.get().pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url
    profile_form = admin_client.get(reverse("admin:portfolio_siteprofile_change", args=[1])).content.decode()
    assert profile_form.count('<div class="markdownx">') == 2  # About and Experience get the live-preview editor
    response = admin_client.post(
        reverse("admin:portfolio_publication_change", args=[publication.pk]),
        {"title": publication.title, "venue": publication.venue, "year": 2026, "doi": "not a doi", "order": 0},
    )
    assert response.status_code == 200  # the form comes back with the error, nothing saved
    assert "A DOI looks like" in response.content.decode()


def test_the_profile_admin_refuses_a_portrait_without_alt_text_and_keeps_one_with_it(admin_client):
    call_command("seed_demo", verbosity=0)
    url = reverse("admin:portfolio_siteprofile_change", args=[1])
    profile = SiteProfile.load()
    data = {
        "owner_name": "Ada Lovelace",
        "headline": profile.headline,
        "intro": profile.intro,
        "contact_email": "ada@lovelace.dev",
        "meta_description": profile.meta_description,
        "time_zone": "Europe/London",
    }
    response = admin_client.post(url, data | {"avatar": png_upload(), "avatar_alt": ""})
    assert response.status_code == 200
    assert "Describe the portrait" in response.content.decode()
    assert not SiteProfile.load().avatar

    response = admin_client.post(url, data | {"avatar": png_upload(), "avatar_alt": "Ada at her desk"})
    assert response.status_code == 302
    profile = SiteProfile.load()
    assert profile.avatar_alt == "Ada at her desk" and profile.portrait_url.endswith(".webp")
    assert profile.is_set_up


def test_the_about_page_works_before_any_profile_exists(client):
    response = client.get(reverse("about"))
    assert response.status_code == 200
    assert "<h1>About</h1>" in response.content.decode()


def test_every_page_renders_before_any_profile_exists(client):
    post = make_post(citation=make_publication())
    for url in ["/", "/blog/", post.get_absolute_url(), "/projects/", "/about/"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/nope/").status_code == 404
