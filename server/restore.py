"""Restore: a backup archive into an instance, checked before anything is replaced and
compared with its manifest afterwards (counts and digests of tables and products)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from server.backup import FORMAT, FORMAT_VERSION, MANIFEST, Sources, product_digest, sha256_file
from server.backup_db import (
    BackupError,
    head_revision,
    restore_database,
    row_counts,
    table_digests,
)

__all__ = ["check_archive", "read_archive", "restore_backup", "summary", "target_contents"]

_MAX_MANIFEST = 64 * 1024 * 1024
_CHUNK = 1 << 20
_NAMES = {"measurements": "readings", "uploads": "uploads", "audit_log": "audit entries"}


def summary(manifest: dict[str, Any]) -> str:
    """``sqlite database at revision 0002, 120 readings, ...`` for one line of output."""
    tables = manifest["tables"]
    parts = [
        f"{manifest['database']['kind']} database at revision {manifest['database']['revision']}"
    ]
    parts += [f"{tables.get(t, {}).get('count', 0):,} {name}" for t, name in _NAMES.items()]
    parts.append(f"{manifest['products'].get('count', 0):,} product files")
    return ", ".join(parts)


def check_archive(path: Path) -> dict[str, Any]:
    """Read and check the whole archive without restoring it; its manifest."""
    with tempfile.TemporaryDirectory(prefix="petasinyal-check-") as work:
        return read_archive(path, Path(work))


# rows a fresh database has from its migrations (the provincial office): still empty
SEEDED = {"offices": 1}


def target_contents(sources: Sources) -> dict[str, int]:
    """What the target instance holds (tables with rows, product files); empty when new."""
    with sources.engine.connect() as conn:
        found = {
            name: n
            for name, n in row_counts(conn).items()
            if n > SEEDED.get(name, 0) and name != "alembic_version"
        }
    sources.engine.dispose()
    files = sum(1 for folder in sources.job_folders() for p in folder.rglob("*") if p.is_file())
    if files:
        found[f"files in {sources.jobs}"] = files
    return found


def restore_backup(app: Flask, path: Path, force: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Restore the archive ``path`` into ``app``'s instance; its manifest and notes."""
    sources = Sources(app)
    kind = sources.engine.url.get_backend_name()
    url = sources.engine.url.render_as_string(hide_password=False)
    sources.jobs.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".petasinyal-restore-", dir=sources.jobs.parent) as tmp:
        work = Path(tmp)
        manifest = read_archive(path, work)
        database = manifest["database"]
        if database["kind"] != kind:
            raise BackupError(
                f"{path} holds a {database['kind']} database but this instance uses {kind} "
                "(set PETASINYAL_DATABASE_URL or --db)",
                status=2,
            )
        head = head_revision(url)
        if database["revision"] != head and not _known_revision(url, database["revision"]):
            raise BackupError(
                f"{path} is from a newer petasinyal (database revision {database['revision']}, "
                f"this one knows up to {head}): upgrade petasinyal first",
                status=2,
            )
        present = target_contents(sources)
        if present and not force:
            held = ", ".join(f"{n:,} {name}" for name, n in present.items())
            raise BackupError(
                f"the target instance is not empty ({held}); a restore replaces all of it: "
                "pass --force to do so"
            )
        name = "petasinyal.sqlite3" if kind == "sqlite" else "petasinyal.pgdump"
        restore_database(sources.engine, work / "database" / name)
        notes = _check_tables(url, manifest, head)
        _place_products(sources, work / "products", manifest, force)
        _place_instance(sources, work / "instance")
        notes += _place_external(sources, work, manifest)
    return manifest, notes


def _known_revision(url: str, revision: str) -> bool:
    from alembic.script import ScriptDirectory

    from server.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(url))
    return revision in {s.revision for s in script.walk_revisions()}


def _check_tables(url: str, manifest: dict[str, Any], head: str | None) -> list[str]:
    """Compare the restored tables with the manifest (after bringing an older backup to
    ``head``, whose migrations may change rows: then the counts only)."""
    from server.migrate import upgrade

    expected = manifest["tables"]
    older = manifest["database"]["revision"] != head
    if older:
        upgrade(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            found = table_digests(conn)
    finally:
        engine.dispose()
    for table, entry in expected.items():
        got = found.get(table, {"count": 0, "digest": ""})
        if got["count"] != entry.get("count") or (
            not older and got["digest"] != entry.get("digest")
        ):
            raise BackupError(f"the restored table {table} differs from the backup's")
    if older:
        return [f"database brought from revision {manifest['database']['revision']} to {head}"]
    return []


def _place_products(
    sources: Sources, extracted: Path, manifest: dict[str, Any], force: bool
) -> None:
    if force:
        for folder in list(sources.job_folders()):
            shutil.rmtree(folder)
    sources.jobs.mkdir(parents=True, exist_ok=True)
    job_ids = []
    for folder in sorted(extracted.iterdir()) if extracted.is_dir() else ():
        shutil.rmtree(sources.jobs / folder.name, ignore_errors=True)
        shutil.move(folder, sources.jobs / folder.name)
        job_ids.append(int(folder.name))
    restored = product_digest(sources.product_files(job_ids))
    if restored["count"] != manifest["products"].get("count") or restored["digest"] != manifest[
        "products"
    ].get("digest"):
        raise BackupError(f"the restored products in {sources.jobs} differ from the backup's")


def _place_instance(sources: Sources, extracted: Path) -> None:
    for path in sorted(extracted.rglob("*")) if extracted.is_dir() else ():
        if path.is_file():
            target = sources.instance / path.relative_to(extracted)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def _place_external(sources: Sources, work: Path, manifest: dict[str, Any]) -> list[str]:
    """Put back boundary files kept outside the instance; never overwrite a different one."""
    notes = []
    for key, entry in manifest["external"].items():
        copy = work / entry["member"]
        target = sources.external.get(key) or Path(entry["path"])
        if target.is_file() and sha256_file(target) == sha256_file(copy):
            continue
        if target.exists():
            beside = target.with_name(f"{target.name}.restored")
            shutil.copy2(copy, beside)
            notes.append(f"{key}: kept {target} (it differs from the backup's copy, now {beside})")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(copy, target)
        notes.append(f"{key}: restored {target}")
    return notes


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return "".join(c if c.isprintable() else "?" for c in text)[:120]


def _check_manifest(manifest: Any) -> dict[str, Any]:
    """The manifest, if it is one of ours that this petasinyal can read."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("its manifest is not a PetaSinyal backup manifest")
    if not isinstance(manifest.get("format_version"), int):
        raise ValueError("its manifest has no format version")
    if manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(
            f"backup format {manifest['format_version']} is newer than this petasinyal reads "
            f"({FORMAT_VERSION}): upgrade petasinyal first",
            status=2,
        )
    members = manifest.get("members")
    database = manifest.get("database")
    if not isinstance(members, dict) or not isinstance(database, dict):
        raise ValueError("its manifest lists no members")
    if database.get("kind") not in ("sqlite", "postgresql"):
        raise ValueError("its manifest names no known database")
    for name, entry in members.items():
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or "\\" in name or name == MANIFEST:
            raise ValueError(f"its manifest lists an unsafe member name {name!r}")
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise ValueError(f"its manifest has no checksum for {name!r}")
    for key in ("tables", "products", "external"):
        if not isinstance(manifest.get(key), dict):
            raise ValueError(f"its manifest has no {key}")
    return manifest


def read_archive(path: Path, dest: Path) -> dict[str, Any]:
    """Extract the archive ``path`` into ``dest``, checking every member; its manifest.

    Raises ``BackupError`` (status 2) with one line when the file is no PetaSinyal backup
    or is damaged (a member missing, changed, added, or the stream cut short)."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file", status=2)
    manifest: dict[str, Any] | None = None
    seen: set[str] = set()
    try:
        with tarfile.open(str(path), "r|gz") as tar:
            for info in tar:
                if manifest is None:
                    if info.name != MANIFEST or not info.isfile() or info.size > _MAX_MANIFEST:
                        raise ValueError(f"it does not start with {MANIFEST}")
                    handle = tar.extractfile(info)
                    assert handle is not None
                    manifest = _check_manifest(json.loads(handle.read()))
                    continue
                _extract(tar, info, manifest["members"], seen, dest)
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        what = "is damaged" if manifest is not None else "is not a PetaSinyal backup"
        raise BackupError(f"{path} {what}: {_reason(exc)}", status=2) from exc
    if manifest is None:
        raise BackupError(f"{path} is not a PetaSinyal backup: it is empty", status=2)
    missing = sorted(set(manifest["members"]) - seen)
    if missing:
        raise BackupError(
            f"{path} is damaged: {len(missing)} member(s) missing, e.g. {missing[0]}", status=2
        )
    return manifest


def _extract(
    tar: tarfile.TarFile,
    info: tarfile.TarInfo,
    members: dict[str, Any],
    seen: set[str],
    dest: Path,
) -> None:
    name = info.name
    if name not in members or name in seen or not info.isfile():
        raise ValueError(f"member {name!r} is not in its manifest")
    seen.add(name)
    handle = tar.extractfile(info)
    assert handle is not None
    target = dest / name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    target.chmod(info.mode & 0o777 | 0o600)
    if digest.hexdigest() != members[name]["sha256"]:
        raise ValueError(f"member {name!r} does not match its checksum")
