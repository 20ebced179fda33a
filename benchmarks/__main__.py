"""Run every benchmark: ``python -m benchmarks [name ...]`` (``make bench``)."""

from __future__ import annotations

import sys

from benchmarks import (
    accuracy,
    import_speed,
    ingest_speed,
    kriging_speed,
    page_speed,
    phone_ui,
    province_scale,
    release_pages,
)
from benchmarks._common import machine

ALL = {
    "import": import_speed,
    "accuracy": accuracy,
    "kriging": kriging_speed,
    "province": province_scale,
    "ingest": ingest_speed,
    "pages": page_speed,
    "phone_ui": phone_ui,
    "release_pages": release_pages,
}


def main(names: list[str]) -> int:
    unknown = set(names) - set(ALL)
    if unknown:
        print(f"unknown benchmark(s) {sorted(unknown)}; choose from {sorted(ALL)}")
        return 2
    print(f"machine: {machine()}")
    for name in names or list(ALL):
        print(f"\n== {name} ==")
        ALL[name].run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
