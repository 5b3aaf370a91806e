"""`manage.py backup` and `restore`: one portable archive, restored on SQLite, on Postgres, and across."""

import io
import json
import re
import subprocess
import sys
import zipfile

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.redirects.models import Redirect
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image

from blog.tests.factories import make_draft, make_post, make_series
from contact.tests.factories import make_booking, make_booking_settings, make_message
from portfolio.tests import services
from portfolio.tests.factories import make_focus_area, make_profile, make_social_link
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db
# The tables the issue names, checked by row count in every restored database.
TABLES = {
    "blog.post": "blog_post",
    "projects.project": "projects_project",
    "contact.contactmessage": "contact_contactmessage",
    "contact.bookingrequest": "contact_bookingrequest",
    "taggit.tag": "taggit_tag",
    "taggit.taggeditem": "taggit_taggeditem",
    "redirects.redirect": "django_redirect",
}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png(colour="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(buffer, "PNG")
    return SimpleUploadedFile("picture.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def site_archive(media_root, tmp_path):
    """A site with one of everything (rows and images), backed up from the test database."""
    User.objects.create_superuser("owner", "owner@example.com", "a long passphrase")
    profile = make_profile()
    profile.avatar = png("navy")
    profile.save()
    make_focus_area()
    make_social_link()
    inline = default_storage.save("uploads/2026/11/inline.png", png("olive"))
    make_post("Consensus, slowly", tags=["Raft", "Distributed Systems"], body=f"![diagram](/media/{inline})")
    make_post("Ünïcode tags", tags=["Observabilité"], cover_image=png("maroon"), series=make_series())
    make_draft("Not yet")
    make_project("Queue", tech=["Rust", "Raft"], cover_image=png("purple"))
    make_message(name="Grace", message="Hello from a visitor.")
    make_message(status="spam", spam_reason="Honeypot field filled in.")
    make_booking_settings()
    make_booking(name="Linus")
    Redirect.objects.create(site_id=1, old_path="/old-post/", new_path="/blog/consensus-slowly/")
    # A lockout is transient: it must not travel to a new server and lock the owner out there.
    AccessAttempt.objects.create(
        username="owner",
        ip_address="10.0.0.1",
        user_agent="x",
        http_accept="*/*",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    path = tmp_path / "site.zip"
    call_command("backup", output=str(path))
    return path


# Django serialises times to the millisecond, and a time under a millisecond past the second comes back
# as a whole second: "…:29.000Z" and "…:29Z" are the same moment.
WHOLE_SECOND = re.compile(r"(T\d\d:\d\d:\d\d)\.000(?=Z|[+-]\d\d:\d\d)")


def archive_rows(path):
    """Every row in an archive, in a comparable form (ids, natural keys and all fields)."""
    with zipfile.ZipFile(path) as archive:
        rows = json.loads(archive.read("data.json"))
    return sorted(WHOLE_SECOND.sub(r"\1", json.dumps(row, sort_keys=True)) for row in rows)


def archive_media(path):
    with zipfile.ZipFile(path) as archive:
        return {
            name.removeprefix("media/"): archive.read(name) for name in archive.namelist() if name.startswith("media/")
        }


def manage(*args, database_url, media):
    env = services.server_env(database_url, DJANGO_MEDIA_ROOT=media)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=services.ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_archive_holds_every_row_and_media_file(site_archive):
    with zipfile.ZipFile(site_archive) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == 1
    assert manifest["rows"]["blog.post"] == 3 and manifest["rows"]["projects.project"] == 1
    assert manifest["rows"]["redirects.redirect"] == 1 and manifest["rows"]["auth.user"] == 1
    # Transient and migrate-built tables stay out.
    transient = {"sessions.session", "contenttypes.contenttype", "auth.permission", "contact.ratecounter"}
    assert not transient & set(manifest["rows"])
    assert not [label for label in manifest["rows"] if label.startswith(("axes.", "django_tasks_database."))]
    media = archive_media(site_archive)
    # Four uploads, the portrait's small rendition made on save, the WebP rendition of each of the two covers,
    # and the body image's rendition with its record (portfolio/renditions.py), re-used after a restore.
    assert len(media) == 9 and "uploads/2026/11/inline.png" in media
    assert len([name for name in media if name.startswith("renditions/")]) == 4
    assert "renditions/uploads/2026/11/inline.png.json" in media
    assert {entry["name"] for entry in manifest["media"]} == set(media)


@pytest.mark.parametrize(
    "chain",
    [("sqlite", "sqlite"), ("postgres", "postgres"), ("sqlite", "postgres")],
    ids=["sqlite-round-trip", "postgres-round-trip", "sqlite-to-postgres"],
)
def test_a_backup_restores_every_row_and_image_into_an_empty_database(site_archive, tmp_path, chain):
    expected_rows, expected_media = archive_rows(site_archive), archive_media(site_archive)
    with zipfile.ZipFile(site_archive) as archive:
        expected_counts = json.loads(archive.read("manifest.json"))["rows"]
    archive = site_archive
    for step, kind in enumerate(chain):
        media = tmp_path / f"media-{step}-{kind}"
        with services.scratch_database(kind, tmp_path) as database_url:
            restored = manage("restore", str(archive), database_url=database_url, media=media)
            assert restored.returncode == 0, restored.stderr
            for label, table in TABLES.items():
                assert services.query(database_url, f"SELECT COUNT(*) FROM {table}") == [(expected_counts[label],)]
            for name, content in expected_media.items():
                assert (media / name).read_bytes() == content
            if kind == "postgres":
                # loaddata moved the id sequences past the restored rows, so the next insert can't collide.
                for table in ("blog_post", "contact_contactmessage", "taggit_tag"):
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    (next_id,) = services.query(database_url, f"SELECT nextval({sequence})")[0]
                    (max_id,) = services.query(database_url, f"SELECT MAX(id) FROM {table}")[0]
                    assert next_id > max_id
            archive = tmp_path / f"step-{step}-{kind}.zip"
            written = manage("backup", "--output", str(archive), database_url=database_url, media=media)
            assert written.returncode == 0, written.stderr
        # The restored site backs up to the very same rows and files: nothing lost, nothing changed.
        assert archive_rows(archive) == expected_rows
        assert archive_media(archive) == expected_media


def test_restore_refuses_a_database_that_already_has_content(site_archive):
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(site_archive))


def test_restore_refuses_a_damaged_archive(site_archive, tmp_path):
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(site_archive) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, b"tampered" if name.startswith("media/uploads/") else content)
    # Checked before anything else, so the database (not empty here) is not what refuses it.
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged))


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("restore", str(not_zip))
    empty_zip = tmp_path / "empty.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    with pytest.raises(CommandError, match="no readable manifest"):
        call_command("restore", str(empty_zip))


def test_restore_refuses_media_names_that_climb_out_of_the_media_folder(media_root, tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("data.json", "[]")
        archive.writestr("media/../../escaped.txt", b"x")
        manifest = {"format": 1, "rows": {}, "media": [{"name": "../../escaped.txt", "sha256": ""}]}
        import hashlib

        manifest["media"][0]["sha256"] = hashlib.sha256(b"x").hexdigest()
        archive.writestr("manifest.json", json.dumps(manifest))
    with pytest.raises(CommandError, match="escaped.txt"):
        call_command("restore", str(evil))
    assert not (tmp_path / "escaped.txt").exists() and not (media_root.parent / "escaped.txt").exists()


def test_restore_refuses_an_archive_from_a_site_with_other_tables(tmp_path):
    odd = tmp_path / "odd.zip"
    with zipfile.ZipFile(odd, "w") as archive:
        archive.writestr("data.json", "[]")
        archive.writestr("manifest.json", json.dumps({"format": 1, "rows": {"shop.order": 3}, "media": []}))
    with pytest.raises(CommandError, match="shop.order"):
        call_command("restore", str(odd))
