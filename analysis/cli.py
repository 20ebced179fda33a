"""The ``petasinyal`` command line: subcommands are registered by each installed part.

Parts register through the ``petasinyal.commands`` entry-point group (see pyproject.toml), so
that the analysis library runs without the server installed, and the server adds its commands.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.cli_args import (
    CommandError,
    bounded_float,
    bounded_int,
    day,
    one_line,
    time_zone,
)
from analysis.methods import METHODS

if TYPE_CHECKING:
    import pandas as pd

    from analysis.prepare import Samples

__all__ = ["main", "register"]

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; the exit status is the command's."""
    parser = argparse.ArgumentParser(
        prog="petasinyal", description="PetaSinyal: signal survey, coverage maps and blankspots."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register(commands)
    for point in entry_points(group="petasinyal.commands"):
        if point.value.startswith("analysis."):
            continue
        try:
            point.load()(commands)
        except ImportError as exc:  # a part whose dependencies are not installed
            print(f"note: {point.name} commands unavailable ({exc})", file=sys.stderr)
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (CommandError, OSError, UnicodeError) as exc:
        # Bad input found after parsing (UnicodeError: an argument with bytes that are not
        # UTF-8 reached a database): one line, the exit status of argparse's errors.
        print(f"{parser.prog} {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2


# Ranges of the numeric options: the bounds keep every computation finite and in memory.
_METRES = bounded_float(0, 1_000_000, low_open=True)
_BLOCK = bounded_float(1, 1_000_000)
_FOLDS = bounded_int(2, 100)
_KM2 = bounded_float(0, 1_000_000)
_EVIDENCE = bounded_int(1, 1_000_000)
_POINTS = bounded_int(1, 5_000_000)
_SEED = bounded_int(0, 2**32 - 1)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the analysis commands to the ``petasinyal`` parser."""
    cmd = commands.add_parser("import", help="convert survey files to canonical CSV")
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cmd.add_argument("--out", type=Path, required=True, help="canonical CSV to write")
    cmd.add_argument(
        "--tz",
        default="Asia/Jakarta",
        type=time_zone,
        help="zone of tools that log local time (default: Asia/Jakarta, WIB)",
    )
    cmd.add_argument("--device-id", help="device id for rows that carry none")
    cmd.add_argument("--errors", type=Path, help="write every rejected row and reason here")
    cmd.set_defaults(handler=_import)

    cmd = commands.add_parser("simulate", help="write a simulated survey as canonical CSV")
    cmd.add_argument("--out", type=Path, required=True)
    cmd.add_argument("--seed", type=_SEED, default=7)
    cmd.add_argument("--points", type=_POINTS, default=20_000)
    cmd.set_defaults(handler=_simulate)

    cmd = commands.add_parser("crossval", help="blocked cross-validation of the gridders")
    _survey_options(cmd)
    cmd.add_argument("--block", type=_BLOCK, default=500.0, help="block size in metres")
    cmd.add_argument("--folds", type=_FOLDS, default=5)
    cmd.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    cmd.add_argument("--json", action="store_true", help="print JSON instead of a table")
    cmd.set_defaults(handler=_crossval)

    cmd = commands.add_parser("grid", help="grid readings into a coverage GeoTIFF")
    _survey_options(cmd)
    cmd.add_argument("--spacing", type=_METRES, default=50.0, help="cell size in metres")
    cmd.add_argument("--method", default="auto", choices=("auto", *METHODS))
    cmd.add_argument(
        "--max-distance",
        type=_METRES,
        default=750.0,
        help="cells farther than this from any reading are unsurveyed",
    )
    cmd.add_argument("--block", type=_BLOCK, default=500.0, help="cross-validation block size")
    cmd.add_argument("--scheduler", help="Dask scheduler address (default: local processes)")
    cmd.add_argument("--out", type=Path, required=True, help="output folder")
    cmd.set_defaults(handler=_grid)

    cmd = commands.add_parser("heatmap", help="build every blankspot product for an operator")
    _survey_options(cmd)
    cmd.add_argument("--villages", type=Path, help="village boundaries (GeoJSON or SQL dump)")
    cmd.add_argument(
        "--village-list",
        type=Path,
        help="CSV of all village codes, so villages without a polygon get a row",
    )
    cmd.add_argument("--method", default="auto", choices=("auto", *METHODS))
    cmd.add_argument("--spacing", type=_METRES, default=50.0, help="cell size in metres")
    cmd.add_argument("--max-distance", type=_METRES, default=750.0)
    cmd.add_argument("--min-area", type=_KM2, default=0.05, help="smallest blankspot, km2")
    cmd.add_argument(
        "--blankspot-min-readings",
        type=_EVIDENCE,
        default=5,
        metavar="N",
        help="readings without usable signal a blankspot needs (else it is doubtful; 5)",
    )
    cmd.add_argument(
        "--blankspot-min-fixes",
        type=_EVIDENCE,
        default=3,
        metavar="N",
        help="distinct GPS fixes among those readings a blankspot needs (3)",
    )
    cmd.add_argument("--language", default="id", choices=("id", "en"))
    cmd.add_argument("--out", type=Path, required=True, help="output folder")
    cmd.set_defaults(handler=_heatmap)

    cmd = commands.add_parser("summary", help="summarise survey files per operator and class")
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cmd.add_argument("--tz", default="Asia/Jakarta", type=time_zone)
    cmd.add_argument("--json", action="store_true", help="print JSON instead of a table")
    cmd.set_defaults(handler=_summary)


def _import(args: argparse.Namespace) -> int:
    from analysis.io_csv import write_csv
    from analysis.readers import UnknownFormatError, read_survey

    frames = []
    totals: Counter[str] = Counter()
    errors: list[str] = []
    unreadable: list[str] = []
    for path in args.files:
        try:
            result = read_survey(path, tz=args.tz, device_id=args.device_id)
        except (OSError, UnknownFormatError) as exc:
            unreadable.append(f"{path}: cannot read: {one_line(exc)}")
            continue
        print(
            f"{path}: {result.format}, {result.rows_read} rows read, {result.kept} kept, "
            f"{len(result.rejected)} rejected"
        )
        for reason, count in sorted(result.rejected_by_reason().items()):
            print(f"    rejected {count:6d}  {reason}")
        for reason, count in sorted(result.dropped_values.items()):
            print(f"    value dropped {count:6d}  {reason}")
        errors.extend(f"{path}:{row}" for row in result.rejected)
        totals.update(read=result.rows_read, kept=result.kept, rejected=len(result.rejected))
        frames.append(result.frame)
    if not totals["kept"]:
        more = f" (and {len(unreadable) - 1} more files)" if len(unreadable) > 1 else ""
        raise CommandError((unreadable[0] + more) if unreadable else "no row could be kept")
    for line in unreadable:
        print(line, file=sys.stderr)
    if args.errors:
        args.errors.write_text("".join(line + "\n" for line in errors), encoding="utf-8")
    import pandas as pd

    frame = pd.concat(frames, ignore_index=True)
    before = len(frame)
    frame = frame.drop_duplicates(subset="id", keep="first")
    write_csv(frame, args.out)
    duplicates = before - len(frame)
    print(
        f"total: {totals['read']} read, {len(frame)} written to {args.out}, "
        f"{totals['rejected']} rejected, {duplicates} duplicates skipped"
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from analysis.io_csv import write_csv
    from analysis.simulate import SurveyConfig, simulate_survey

    frame = simulate_survey(SurveyConfig(points=args.points, seed=args.seed))
    write_csv(frame, args.out)
    print(f"{len(frame)} simulated readings written to {args.out}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from analysis.summary import summarise

    frame = _read_files(args)
    table = summarise(frame)
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
    else:
        print(table.to_string(index=False))
    return 0


def _survey_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE")
    cmd.add_argument("--operator", required=True, help="MCC-MNC (e.g. 510-10) or name")
    cmd.add_argument("--tech", required=True, choices=("LTE", "NR", "WCDMA", "GSM"))
    cmd.add_argument("--since", type=day, help="first day (UTC, YYYY-MM-DD)")
    cmd.add_argument("--until", type=day, help="day after the last (UTC, YYYY-MM-DD)")
    cmd.add_argument(
        "--tz", default="Asia/Jakarta", type=time_zone, help="zone of tools that log local time"
    )


def _chosen(args: argparse.Namespace, frame: pd.DataFrame) -> pd.DataFrame:
    """The readings of the operator and technology asked for, between --since and --until."""
    from analysis.prepare import select

    if args.since and args.until and args.until <= args.since:
        raise CommandError(f"--until {args.until} must be after --since {args.since}")
    chosen = select(frame, args.operator, args.tech, args.since, args.until)
    if chosen.empty:
        window = f" from {args.since or 'the start'} to {args.until or 'the end'}"
        dates = window if args.since or args.until else ""
        raise CommandError(
            f"no {args.tech} readings of operator {args.operator} in the files{dates}"
        )
    return chosen


def _load_samples(
    args: argparse.Namespace,
    chosen: pd.DataFrame,
    block: float,
    by_drive: bool = False,
    split_drives: bool = False,
) -> Samples:
    """Samples of the chosen readings, refused when cross-validation cannot split them
    (``by_drive``: with each reading's survey session as its drive; ``split_drives``: each
    session's readings reduced apart, for leaving drives out)."""
    import numpy as np

    from analysis.prepare import prepare_samples

    try:
        samples = prepare_samples(chosen, args.tech, by_drive=by_drive, split_drives=split_drives)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    blocks = np.unique(
        np.column_stack([np.floor(samples.easting / block), np.floor(samples.northing / block)]),
        axis=0,
    )
    if len(blocks) < 2:
        raise CommandError(
            f"the {len(samples)} samples lie in one block of {block:g} m: cross-validation needs "
            "readings in two blocks at least (a smaller --block, or more readings)"
        )
    return samples


_SCHEMES = {"blocked": "between roads", "lodo": "on roads"}


def _crossval(args: argparse.Namespace) -> int:
    from analysis.coverage import make_gridder
    from analysis.crossval import select_method

    chosen_rows = _chosen(args, _read_files(args))
    samples = _load_samples(args, chosen_rows, args.block, by_drive=True, split_drives=True)
    gridders = {name: make_gridder(name) for name in args.methods}
    chosen = select_method(gridders, samples, args.block, args.folds)
    results = [*chosen.blocked, *chosen.lodo]
    if not all(r.n for r in chosen.blocked):
        raise CommandError("cross-validation predicted no sample: too few readings or blocks")
    rows = [r.as_row() for r in results]
    if args.json:
        report = {
            "samples": len(samples),
            "block_m": args.block,
            "best": chosen.method,
            "chosen_by": chosen.reason,
            "results": rows,
        }
        print(json.dumps(report, indent=2))
        return 0
    print(f"{len(samples)} samples, blocks of {args.block:g} m, {args.folds} folds")
    if not chosen.lodo:
        print("leave one drive out: not measured (too few survey sessions near each other)")
    print(f"{'method':10s} {'test':13s} {'RMSE':>7s} {'MAE':>7s} {'bias':>7s} {'P95':>7s}  (dB)")
    for row in rows:
        mark = "  <- best" if row["method"] == chosen.method else ""
        print(
            f"{row['method']:10s} {_SCHEMES[str(row['scheme'])]:13s} {row['rmse_db']:7.2f} "
            f"{row['mae_db']:7.2f} {row['bias_db']:7.2f} {row['p95_db']:7.2f}{mark}"
        )
    print(
        "between roads: blocks left out (unsurveyed ground); on roads: one survey session "
        f"left out, its readings within 250 m of another's. Chosen by {chosen.reason}."
    )
    return 0


@contextmanager
def _made_by_us(out: Path) -> Iterator[None]:
    """On failure, remove what was created in ``out`` (the folder too, if it was new)."""
    existed = out.is_dir()
    before = set(out.iterdir()) if existed else set()
    try:
        yield
    except BaseException:
        if not existed:
            shutil.rmtree(out, ignore_errors=True)
        elif out.is_dir():
            for path in set(out.iterdir()) - before:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        raise


def _grid(args: argparse.Namespace) -> int:
    from analysis.coverage import build_coverage
    from analysis.export.geotiff import write_coverage_geotiff
    from analysis.schema import CLASS_METRIC, NUMERIC_RANGES

    chosen = _chosen(args, _read_files(args))
    samples = _load_samples(args, chosen, args.block, by_drive=True)
    try:
        coverage = build_coverage(
            samples,
            method=args.method,
            spacing=args.spacing,
            max_distance=args.max_distance,
            block_m=args.block,
            executor=args.scheduler,
            clip=NUMERIC_RANGES[CLASS_METRIC[args.tech]],
            # as products do: each drive's readings reduced apart for leaving drives out
            cv_samples=_load_samples(args, chosen, args.block, by_drive=True, split_drives=True),
        )
    except ValueError as exc:
        raise CommandError(f"cannot grid: {exc}") from exc
    with _made_by_us(args.out):
        args.out.mkdir(parents=True, exist_ok=True)
        tif = write_coverage_geotiff(
            coverage,
            args.out / "coverage.tif",
            {"operator": args.operator, "technology": args.tech},
        )
        (args.out / "crossval.json").write_text(
            json.dumps(coverage.cv_table(), indent=2), encoding="utf-8"
        )
    surveyed = float(coverage.surveyed.mean()) * 100
    print(
        f"{len(samples)} samples -> {coverage.spec.width} x {coverage.spec.height} cells "
        f"of {args.spacing:g} m, method {coverage.method}, {surveyed:.1f}% surveyed: {tif}"
    )
    return 0


def _heatmap(args: argparse.Namespace) -> int:
    from analysis.blankspots import EvidenceRule
    from analysis.boundaries import read_boundaries
    from analysis.products import build_products

    chosen = _chosen(args, _read_files(args))
    _load_samples(args, chosen, 500.0)  # the block size build_products cross-validates with
    regions = None
    if args.village_list and not args.villages:
        raise CommandError("--village-list needs --villages (the boundaries)")
    if args.villages:
        try:
            regions = read_boundaries(args.villages, args.village_list)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the villages: {exc}") from exc
    try:
        with _made_by_us(args.out):
            report = build_products(
                chosen,
                args.operator,
                args.tech,
                args.out,
                regions,
                method=args.method,
                spacing=args.spacing,
                max_distance=args.max_distance,
                min_area_km2=args.min_area,
                evidence=EvidenceRule(args.blankspot_min_readings, args.blankspot_min_fixes),
                language=args.language,
            )
    except ValueError as exc:
        raise CommandError(f"cannot build products: {exc}") from exc
    _print_report(report, args.out)
    return 0


def _print_report(report: dict, out: Path) -> None:
    blank = report["blankspots"]
    print(
        f"{report['operator']} {report['technology']}: {report['inputs']['readings']} "
        f"readings, method {report['method']}, {blank['count']} blankspots "
        f"({blank['area_km2']:.1f} km2), {blank.get('doubtful_count', 0)} doubtful "
        f"({blank.get('doubtful_area_km2', 0):.1f} km2), "
        f"{report['timings_s']['total_s']:.1f} s -> {out}"
    )
    if report["villages"]:
        print("    villages: " + ", ".join(f"{k} {v}" for k, v in report["villages"].items()))


def _read_files(args: argparse.Namespace) -> pd.DataFrame:
    """The readings of every file named on the command line; a clear message, not a
    traceback, when one cannot be read."""
    from analysis.readers import UnknownFormatError, read_surveys

    try:
        frame, results = read_surveys(args.files, tz=args.tz)
    except (OSError, UnknownFormatError) as exc:
        raise CommandError(f"cannot read the survey files: {exc}") from exc
    for result in results:
        if result.rejected:
            print(
                f"{result.source}: {len(result.rejected)} rows rejected (see "
                "`petasinyal import --errors`)",
                file=sys.stderr,
            )
    return frame


if __name__ == "__main__":
    sys.exit(main())
