"""``petasinyal report-villages``, ``metadata`` and ``opendata``: registered through the
``petasinyal.commands`` entry-point group. A bad argument, an unknown or withdrawn release,
a file that cannot be written: one line and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

from analysis.cli_args import CommandError, bounded_int
from server.cli_errors import one_line_errors
from server.models import MAX_ID

__all__ = ["register"]

_RELEASE = bounded_int(1, MAX_ID)
_FORMATS = ("iso19139", "ckan")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``report-villages``, ``metadata`` and ``opendata`` to the ``petasinyal`` parser."""
    cmd = commands.add_parser(
        "report-villages",
        help="the blankspot village report (census categories per operator) as XLSX or CSV",
    )
    cmd.add_argument("--out", type=_report_file, required=True, metavar="FILE.xlsx|FILE.csv")
    cmd.add_argument(
        "--office",
        type=_region,
        metavar="CODE",
        help="Kemendagri code of the region: 13 the province, 13.06 Kabupaten Agam (default: all)",
    )
    cmd.add_argument(
        "--release",
        type=_RELEASE,
        metavar="ID",
        help="one published release (default: per product the newest published release)",
    )
    cmd.add_argument("--db", help="database URL or SQLite file (default: the instance's)")
    cmd.set_defaults(handler=_report)
    one_line_errors(cmd, "report-villages")

    cmd = commands.add_parser(
        "metadata", help="a published release's metadata: ISO 19139 XML or a CKAN record"
    )
    cmd.add_argument("release", type=_RELEASE, metavar="RELEASE_ID")
    cmd.add_argument("--format", choices=_FORMATS, required=True)
    cmd.add_argument("--out", type=Path, required=True, metavar="FILE")
    cmd.add_argument("--db", help="database URL or SQLite file (default: the instance's)")
    cmd.set_defaults(handler=_metadata)
    one_line_errors(cmd, "metadata")

    cmd = commands.add_parser(
        "opendata",
        help="open-data export of a published release (village verdicts, H3 hexagons, metadata)",
    )
    cmd.add_argument("release", type=_RELEASE, metavar="RELEASE_ID")
    cmd.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new, empty folder")
    cmd.add_argument("--db", help="database URL or SQLite file (default: the instance's)")
    cmd.set_defaults(handler=_opendata)
    one_line_errors(cmd, "opendata")


def _report_file(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise argparse.ArgumentTypeError(f"{text!r}: the report is a .xlsx or a .csv file")
    return path


def _region(text: str) -> str:
    from server.reports import Area

    try:
        Area.of_code(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _replace(target: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file beside ``target``: never a half-written report."""
    part = target.with_name(f".{target.name}.part")
    try:
        write(part)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _report(args: argparse.Namespace) -> int:
    from server.cli_app import app_scope
    from server.report_xlsx import write_xlsx
    from server.reports import Area, ReportError, build_report, write_csv

    with app_scope(args.db):
        try:
            report = build_report(args.release, Area.of_code(args.office))
        except ReportError as exc:
            raise CommandError(str(exc)) from None
    if args.out.suffix.lower() == ".xlsx":
        _replace(args.out, lambda part: write_xlsx(report, part))
    else:
        _replace(args.out, lambda part: write_csv(report, part))
    print(
        f"{len(report.rows)} villages, {len(report.sources)} operator products "
        f"({', '.join(s.label for s in report.sources)}) written to {args.out}"
    )
    return 0


def _metadata(args: argparse.Namespace) -> int:
    from server.cli_app import app_scope
    from server.metadata import ckan_package, iso19139_xml, release_metadata

    with app_scope(args.db):
        try:
            meta = release_metadata(args.release)
        except LookupError as exc:
            raise CommandError(str(exc.args[0] if exc.args else exc)) from None
        if args.format == "iso19139":
            data = iso19139_xml(meta)
        else:
            text = json.dumps(ckan_package(meta), ensure_ascii=False, indent=2)
            data = text.encode("utf-8")
    _replace(args.out, lambda part: part.write_bytes(data))
    print(f"{args.format} metadata of release {args.release} written to {args.out}")
    return 0


def _opendata(args: argparse.Namespace) -> int:
    from server.cli_app import app_scope
    from server.opendata import write_opendata

    with app_scope(args.db):
        try:
            manifest = write_opendata(args.release, args.out)
        except LookupError as exc:
            raise CommandError(str(exc.args[0] if exc.args else exc)) from None
        except FileExistsError as exc:
            raise CommandError(str(exc)) from None
    print(
        f"release {args.release}: {manifest['village_rows']} village rows, "
        f"{manifest['hexagons']} hexagons, {len(manifest['files'])} files written to {args.out}"
    )
    return 0
