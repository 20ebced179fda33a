"""Upload commands of ``petasinyal``: uploads (list), review, export-approved and
import-uploads (field-tool files through the same path as the phones' uploads)."""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.cli_args import CommandError, bounded_int, day, one_line, time_zone
from server.cli_app import app_scope, in_app, print_table

if TYPE_CHECKING:
    import pandas as pd
    from flask import Flask

__all__ = ["register"]

_REVIEW_STATES = ("approved", "has_issues", "rejected")
_PLMN = re.compile(r"\d{3}-\d{2,3}")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the upload commands to the ``petasinyal`` parser."""
    cmd = commands.add_parser("uploads", help="list uploads, newest first (ids for review)")
    cmd.add_argument("--state", default="all", choices=("all", "received", *_REVIEW_STATES))
    cmd.add_argument("--officer", help="only this officer's uploads (username)")
    cmd.add_argument("--since", type=day, help="received on or after this day (YYYY-MM-DD)")
    cmd.add_argument("--until", type=day, help="received before this day (YYYY-MM-DD)")
    cmd.add_argument("--limit", type=bounded_int(1, 100_000), default=50)
    cmd.add_argument(
        "--tz", type=time_zone, default="Asia/Jakarta", help="zone of times and days (WIB)"
    )
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_uploads)

    cmd = commands.add_parser("review", help="approve an upload, or send it back with a comment")
    cmd.add_argument("upload_id")
    cmd.add_argument("--state", required=True, choices=_REVIEW_STATES)
    cmd.add_argument("--comment", help="what the officer must fix (shown on the phone)")
    cmd.add_argument("--reviewer", default="cli")
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_review)

    cmd = commands.add_parser(
        "export-approved", help="approved readings as canonical CSV (for petasinyal heatmap)"
    )
    cmd.add_argument("--out", type=Path, required=True)
    cmd.add_argument(
        "--operator", action="append", help="MCC-MNC (e.g. 510-10) or name; repeat for several"
    )
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_export_approved)

    cmd = commands.add_parser(
        "import-uploads", help="import field-tool files through the upload path"
    )
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cmd.add_argument("--officer", required=True, help="officer the import is recorded for")
    cmd.add_argument("--tz", default="Asia/Jakarta", type=time_zone)
    cmd.add_argument("--db")
    cmd.set_defaults(handler=_import_uploads)


def _uploads(args: argparse.Namespace) -> int:
    """Uploads newest first: id, officer, device, state, readings, received, readings' dates."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from server.db import session_scope
    from server.models import Device, Measurement, Upload, User
    from server.web.labels import ZONE_LABELS

    zone = ZoneInfo(args.tz)
    label = ZONE_LABELS.get(args.tz, args.tz)

    def start_of(text: str) -> datetime:
        return datetime.combine(datetime.fromisoformat(text).date(), time(), zone)

    def shown(value: datetime | None) -> str:
        return "-" if value is None else f"{value.astimezone(zone):%Y-%m-%d %H:%M} {label}"

    if args.since and args.until and args.until <= args.since:
        raise CommandError(f"--until {args.until} must be after --since {args.since}")
    query = (
        select(Upload, Device.name, User.username)
        .join(Device, Device.id == Upload.device_id)
        .join(User, User.id == Device.officer_id)
    )
    if args.state != "all":
        query = query.where(Upload.state == args.state)
    if args.officer:
        query = query.where(User.username == args.officer)
    if args.since:
        query = query.where(Upload.received_at >= start_of(args.since))
    if args.until:
        query = query.where(Upload.received_at < start_of(args.until))
    with app_scope(args.db), session_scope() as db:
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(Upload.received_at.desc(), Upload.id).limit(args.limit)
        ).all()
        spans: dict[str, tuple[datetime | None, datetime | None]] = {
            row[0].id: (None, None) for row in rows
        }
        for upload_id, earliest, latest in db.execute(
            select(
                Measurement.upload_id,
                func.min(Measurement.observed_at),
                func.max(Measurement.observed_at),
            )
            .where(Measurement.upload_id.in_(list(spans)))
            .group_by(Measurement.upload_id)
        ):
            spans[upload_id] = (earliest, latest)
    table = [["id", "officer", "device", "state", "readings", "received", "first", "last"]]
    for upload, device, officer in rows:
        first, last = spans[upload.id]
        table.append([upload.id, officer, device, upload.state, str(upload.accepted)])
        table[-1] += [shown(upload.received_at), shown(first), shown(last)]
    print_table(table)
    print(f"{len(rows)} of {total} uploads shown (times in {label})")
    return 0


def _review(args: argparse.Namespace) -> int:
    from server.review import review_upload

    def action(app: Flask) -> str:
        after = review_upload(args.upload_id, args.state, args.reviewer, args.comment)
        return f"upload {args.upload_id}: {after['state']}"

    return in_app(args.db, action)


def _export_approved(args: argparse.Namespace) -> int:
    from analysis.io_csv import write_csv

    def action(app: Flask) -> str:
        frame = _approved_of(args.operator or [])
        write_csv(frame, args.out)
        return f"{len(frame)} approved readings written to {args.out}"

    return in_app(args.db, action)


def _approved_of(operators: list[str]) -> pd.DataFrame:
    """Approved readings of the operators named by MCC-MNC or by name (all when none)."""
    from analysis.summary import operator_label
    from server.review import approved_frame

    if all(_PLMN.fullmatch(op) for op in operators):
        return approved_frame(operators or None)
    frame = approved_frame()
    named = operator_label(frame).isin(operators) | frame["operator"].isin(operators)
    return frame[named.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def _import_uploads(args: argparse.Namespace) -> int:
    from analysis.frame import wire_records
    from analysis.readers import UnknownFormatError, read_survey
    from server.accounts import import_device
    from server.api.uploads import flag_rules
    from server.db import session_scope
    from server.ingest import ingest_batch
    from server.models import Device
    from server.regions import current_regions

    total = {"accepted": 0, "duplicates": 0, "rejected": 0}
    unreadable: list[str] = []
    with app_scope(args.db) as app:
        try:
            device_id = import_device(args.officer)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for path in args.files:
            try:
                result = read_survey(path, tz=args.tz, device_id=f"import-{args.officer}")
            except (OSError, UnknownFormatError) as exc:
                unreadable.append(f"{path}: cannot read: {one_line(exc)}")
                continue
            records = wire_records(result.frame)
            digest = hashlib.sha1(path.read_bytes()).hexdigest()
            for start in range(0, len(records), app.config["MAX_BATCH"]):
                batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"petasinyal:{digest}:{start}"))
                with session_scope() as session:
                    device = session.get(Device, device_id)
                    assert device is not None
                    batch = records[start : start + app.config["MAX_BATCH"]]
                    answer = ingest_batch(
                        session, device, batch_id, batch, flag_rules(), regions=current_regions()
                    ).answer()
                for key in total:
                    total[key] += answer["counts"][key]
            print(
                f"{path}: {result.kept} readings read, {len(result.rejected)} rejected by "
                f"the reader"
            )
    if len(unreadable) == len(args.files):
        more = f" (and {len(unreadable) - 1} more files)" if len(unreadable) > 1 else ""
        raise CommandError(unreadable[0] + more)
    for line in unreadable:
        print(line, file=sys.stderr)
    print(
        f"stored {total['accepted']}, duplicates {total['duplicates']}, rejected "
        f"{total['rejected']}"
    )
    return 0
