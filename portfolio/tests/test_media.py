"""Uploaded media are served by the app from whichever storage holds them (a folder, or a shared S3 bucket)."""

import pytest

from portfolio.tests.test_operations import PRODUCTION, run_django

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "photo.webp").write_bytes(b"RIFF....WEBP")
    return tmp_path


def test_an_upload_is_served_with_its_type_and_a_long_cache_life(client, media_root):
    response = client.get("/media/uploads/photo.webp")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content) == b"RIFF....WEBP"
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/media/uploads/missing.png", "/media/uploads/", "/media/../settings.py"])
def test_missing_files_folders_and_escapes_are_not_found(client, media_root, path):
    assert client.get(path).status_code == 404


def test_media_go_to_the_bucket_when_s3_is_configured():
    code = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.url('uploads/a.png'))"
    )
    local = run_django(code, **PRODUCTION)
    s3 = run_django(code, **PRODUCTION, S3_BUCKET="media", S3_ENDPOINT_URL="http://127.0.0.1:9")
    assert local.stdout.split()[0] == "FileSystemStorage", local.stderr
    # Still linked on this site, so pages stay same-origin under the CSP.
    assert s3.stdout.split() == ["MediaS3Storage", "/media/uploads/a.png"], s3.stderr
