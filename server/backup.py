"""Backups: the database, the job products and the instance's files in one archive.

An archive is a gzip-compressed tar stream. Its first member, ``manifest.json``, says what
it is (format and version, petasinyal's version, database kind and migration revision),
counts and digests every table and the products, and gives the SHA-256 of every other
member; a restore reads nothing it cannot check. Members:

- ``database/petasinyal.sqlite3`` or ``database/petasinyal.pgdump`` (one snapshot);
- ``products/<job>/...``: the folders of the jobs that had finished in that snapshot
  (a running job runs again after a restore; the ZIPs made for downloads are left out);
- ``instance/...``: the instance folder (secret key, settings, boundaries kept there);
- ``external/<SETTING>/<name>``: ``BOUNDARIES`` and ``VILLAGE_LIST`` files kept elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from flask import Flask

from server.backup_db import BackupError, snapshot_database

__all__ = [
    "EXTERNAL_SETTINGS",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "BackupError",
    "Sources",
    "product_digest",
    "sha256_file",
    "write_backup",
]

FORMAT = "petasinyal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
EXTERNAL_SETTINGS = ("BOUNDARIES", "VILLAGE_LIST")
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Sources:
    """Where an app keeps what a backup holds: database, products, instance, settings."""

    def __init__(self, app: Flask) -> None:
        from server.jobs import jobs_dir

        with app.app_context():
            self.jobs = jobs_dir().resolve()
        self.engine = app.extensions["petasinyal.engine"]
        self.instance = Path(app.instance_path).resolve()
        self.external = {
            key: Path(str(app.config[key])).resolve()
            for key in EXTERNAL_SETTINGS
            if app.config.get(key)
        }
        database = self.engine.url.database
        self.sqlite = (
            Path(database).resolve()
            if self.engine.url.get_backend_name() == "sqlite" and database
            else None
        )

    def job_folders(self) -> Iterator[Path]:
        """The job folders (named by job id) under the jobs folder."""
        if self.jobs.is_dir():
            yield from (p for p in sorted(self.jobs.iterdir()) if p.is_dir() and p.name.isdigit())

    def product_files(self, job_ids: list[int]) -> dict[str, Path]:
        """``<job>/<path>`` of every product file of these jobs (not the download ZIPs)."""
        found: dict[str, Path] = {}
        for job_id in job_ids:
            folder = self.jobs / str(job_id)
            for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
                if path.is_symlink() or not path.is_file():
                    continue
                if path.parent == folder and path.name.endswith((".zip", ".zip.part")):
                    continue
                found[f"{job_id}/{path.relative_to(folder).as_posix()}"] = path
        return found

    def instance_files(self, skip: list[Path]) -> dict[str, Path]:
        """Files of the instance folder, without the database, products and ``skip``."""
        leave = [self.jobs, *skip]
        if self.sqlite is not None:
            leave += [Path(f"{self.sqlite}{end}") for end in ("", "-wal", "-shm", "-journal")]
        found: dict[str, Path] = {}
        for path in sorted(self.instance.rglob("*")) if self.instance.is_dir() else ():
            if path.is_symlink() or not path.is_file():
                continue
            if any(path == p or path.is_relative_to(p) for p in leave):
                continue
            found[path.relative_to(self.instance).as_posix()] = path
        return found


def product_digest(files: dict[str, Path]) -> dict[str, Any]:
    """Count, bytes and one SHA-256 over the names and contents of product files."""
    digest = hashlib.sha256()
    size = 0
    for name in sorted(files):
        digest.update(f"{name}\0{sha256_file(files[name])}\n".encode())
        size += files[name].stat().st_size
    return {"count": len(files), "bytes": size, "digest": digest.hexdigest()}


def _version() -> str:
    try:
        return version("petasinyal")
    except PackageNotFoundError:
        return "unknown"


def write_backup(app: Flask, out: Path) -> dict[str, Any]:
    """Write the backup of ``app``'s instance to ``out`` (atomically); its manifest."""
    sources = Sources(app)
    out = out.resolve()
    if any(out.is_relative_to(p) for p in (sources.instance, sources.jobs)):
        raise BackupError(
            f"write the backup outside the instance folder {sources.instance} and the jobs "
            "folder (each backup would hold the ones before)",
            status=2,
        )
    if out.is_dir():
        raise BackupError(f"cannot write {out}: it is a folder", status=2)
    if not out.parent.is_dir():
        raise BackupError(f"cannot write {out}: no folder {out.parent}", status=2)
    kind = sources.engine.url.get_backend_name()
    with tempfile.TemporaryDirectory(prefix=".petasinyal-backup-", dir=out.parent) as tmp:
        work = Path(tmp)
        snapshot = work / ("petasinyal.sqlite3" if kind == "sqlite" else "petasinyal.pgdump")
        described = snapshot_database(sources.engine, snapshot)
        products = sources.product_files(described["finished_jobs"])
        members = {f"database/{snapshot.name}": snapshot}
        members.update({f"products/{name}": path for name, path in products.items()})
        # The instance's files may change at any time (logs): the archive holds copies.
        staged = work / "staged"
        for name, path in sources.instance_files(skip=[out, work]).items():
            members[f"instance/{name}"] = _stage(path, staged / "instance" / name)
        external = {}
        for key, path in sources.external.items():
            if path.is_file() and not path.is_relative_to(sources.instance):
                member = f"external/{key}/{path.name}"
                members[member] = _stage(path, staged / member)
                external[key] = {"member": member, "path": str(path)}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "petasinyal": _version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"kind": kind, "revision": described["revision"]},
            "tables": described["tables"],
            "products": product_digest(products),
            "external": external,
            "members": {
                name: {"sha256": sha256_file(path), "size": path.stat().st_size}
                for name, path in members.items()
            },
        }
        part = out.with_name(f"{out.name}.part")
        try:
            _write_tar(part, manifest, members)
            part.replace(out)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise BackupError(f"cannot write {out}: {exc.strerror or exc}") from exc
        finally:
            part.unlink(missing_ok=True)
    return manifest


def _stage(source: Path, copy: Path) -> Path:
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, copy)
    return copy


class _Hashing(io.RawIOBase):
    """A file read through while hashing what was read."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.sha = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha.update(data)
        return data


def _write_tar(part: Path, manifest: dict[str, Any], members: dict[str, Path]) -> None:
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    with tarfile.open(str(part), "w|gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
        tar.addfile(info, io.BytesIO(data))
        for name, path in members.items():
            info = tar.gettarinfo(str(path), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                reader = _Hashing(handle)
                tar.addfile(info, reader)
            if reader.sha.hexdigest() != manifest["members"][name]["sha256"]:
                raise BackupError(f"{path} changed during the backup; run the backup again")
