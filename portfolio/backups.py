"""One portable archive of the whole site: every row as JSON plus every media file, in a zip.

The rows come from Django's own serialisation (`dumpdata` with natural foreign keys, so content types
and permissions are matched by name, not by id), which makes an archive from SQLite load into Postgres
and back. Tables that only hold transient state (sessions, counters, the task queue) are left out:
`settings.BACKUP_EXCLUDE`.
"""

import hashlib
import json
import shutil
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

FORMAT = 1
DATA = "data.json"
MANIFEST = "manifest.json"
MEDIA = "media/"
# Rows `migrate` creates by itself; a restore may overwrite them.
SEEDED_BY_MIGRATE = {"sites.site"}


class BackupError(Exception):
    pass


def _excluded():
    """BACKUP_EXCLUDE entries that exist here (dumpdata refuses unknown labels)."""
    present = []
    for label in settings.BACKUP_EXCLUDE:
        app_label, _, model = label.partition(".")
        try:
            config = apps.get_app_config(app_label)
            if model:
                config.get_model(model)
        except LookupError:
            continue
        present.append(label)
    return present


def media_files(storage=default_storage, folder=""):
    """Every file name in the media storage, walked through the storage API (local disk or S3 alike)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # no media folder yet: nothing was ever uploaded
        return
    for name in sorted(files):
        yield f"{folder}{name}"
    for sub in sorted(folders):
        yield from media_files(storage, f"{folder}{sub}/")


def write_backup(path):
    """Write the archive to `path` and return its manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / DATA
        call_command("dumpdata", natural_foreign=True, exclude=_excluded(), output=str(data), verbosity=0)
        with data.open() as rows:
            counts = Counter(row["model"] for row in json.load(rows))
        files = []
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(data, DATA)
            for name in media_files():
                digest = hashlib.sha256()
                with default_storage.open(name) as source, archive.open(MEDIA + name, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        digest.update(chunk)
                        target.write(chunk)
                files.append({"name": name, "sha256": digest.hexdigest()})
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "django": django.get_version(),
                "database": connection.vendor,
                "rows": dict(sorted(counts.items())),
                "media": files,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return manifest


def read_manifest(archive):
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        raise BackupError("This is not a backup archive: it has no readable manifest.json.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}; this site reads format {FORMAT}.")
    return manifest


def occupied_models(manifest):
    """The archive's models that already have rows here: restoring over them would mix two sites."""
    occupied = []
    for label in manifest["rows"]:
        if label in SEEDED_BY_MIGRATE:
            continue
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            raise BackupError(f"The archive holds {label}, which this version of the site does not have.") from None
        if model._default_manager.exists():
            occupied.append(label)
    return occupied


def restore_backup(path):
    """Load an archive into this (migrated, empty) database and media storage; returns its manifest."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"Cannot read {path}: {error}") from None
    with archive:
        manifest = read_manifest(archive)
        for entry in manifest["media"]:  # all checked before anything is written
            _check_file(archive, entry)
        if occupied := occupied_models(manifest):
            raise BackupError(
                "The database is not empty (" + ", ".join(occupied) + " already have rows). "
                "Restore into a freshly migrated database."
            )
        for entry in manifest["media"]:
            _restore_file(archive, entry)
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / DATA
            with archive.open(DATA) as source, data.open("wb") as target:
                shutil.copyfileobj(source, target)
            # One transaction; on Postgres it also resets the id sequences past the loaded rows.
            call_command("loaddata", str(data), verbosity=0)
    return manifest


def _check_file(archive, entry):
    name = entry["name"]
    try:
        default_storage.path(name)
    except NotImplementedError:
        pass  # remote storages have no local path; their save() checks the name
    except SuspiciousFileOperation:
        raise BackupError(f"Refusing {name}: it points outside the media folder.") from None
    digest = hashlib.sha256()
    try:
        with archive.open(MEDIA + name) as source:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
    except KeyError:
        raise BackupError(f"The archive lists {name} but does not hold it.") from None
    if digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"The archive's copy of {name} is damaged (checksum mismatch).")


def _restore_file(archive, entry):
    name = entry["name"]
    if default_storage.exists(name):
        default_storage.delete(name)
    with archive.open(MEDIA + name) as source:
        # The storage refuses names that climb out of the media folder ("../"), so an archive can't either.
        saved = default_storage.save(name, source)
    if saved != name:
        raise BackupError(f"Could not restore {name} under its own name (stored as {saved}).")
