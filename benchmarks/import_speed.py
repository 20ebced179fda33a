"""Import: every real drive-test file through our validating importers, against plain
``pandas.read_csv`` of the same files (parsing only, no checks) in the same run."""

from __future__ import annotations

import pandas as pd

from analysis.readers import read_surveys
from benchmarks._common import SHARED_DATA, best_time, table


def run() -> dict[str, float]:
    files = sorted((SHARED_DATA / "drivetests").rglob("*.csv"))
    if not files:
        raise SystemExit(f"import benchmark needs the drive tests in {SHARED_DATA}")
    rows_total = sum(len(r.frame) for r in read_surveys(files, tz="Europe/Dublin")[1])
    ours = best_time(lambda: read_surveys(files, tz="Europe/Dublin"), 3)
    baseline = best_time(
        lambda: [
            pd.read_csv(f, dtype=str, sep=None, engine="python")
            if f.suffix == ".txt"
            else pd.read_csv(f, dtype=str)
            for f in files
        ],
        3,
    )
    rows = [
        {
            "run": "pandas.read_csv (parse only)",
            "s": baseline,
            "rows_per_s": rows_total / baseline,
            "ratio": 1.0,
        },
        {
            "run": "petasinyal import (parse + validate)",
            "s": ours,
            "rows_per_s": rows_total / ours,
            "ratio": ours / baseline,
        },
    ]
    print(f"{len(files)} files, {rows_total:,} rows kept")
    print(table(rows, ["run", "s", "rows_per_s", "ratio"]))
    return {"import_s": ours, "ratio": ours / baseline}


if __name__ == "__main__":
    run()
