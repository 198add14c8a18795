"""
Time ``table_read`` and ``file_sniff`` on the largest files the tests use.

Run from the repository root:

    .venv/bin/python bench/bench_reading.py

Each figure is the best of five runs, in milliseconds. The files come from
the shared folder that ``tests/conftest.py`` uses (``LEARNLINQ_SHARED_DIR``).
"""

import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnlinq.settings")
django.setup()

from imports.reading import ReadOptions, file_sniff, table_read  # noqa: E402

SHARED_DIR = Path(os.environ.get("LEARNLINQ_SHARED_DIR", ROOT.parent / "shared"))
RUNS = 5

CASES = [
    ("cases/files/c06-20000-records.csv", ReadOptions("utf-8", ";", '"')),
    (
        "realdata/cps-restraint-certifications/certification_history.csv",
        ReadOptions("utf-8", ",", '"'),
    ),
    (
        "realdata/training-dashboard-xlsx/Training original data.xlsx",
        ReadOptions("utf-8", ";", '"', sheet="TrainingProgress"),
    ),
]


def best_of(function: Callable[[], object]) -> float:
    """Return the fastest of ``RUNS`` calls, in milliseconds."""
    timings = []
    for _run in range(RUNS):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings) * 1000


def main() -> None:
    print(f"{'file':<70} {'records':>8} {'read ms':>9} {'sniff ms':>9}")
    for relative, options in CASES:
        data = (SHARED_DIR / relative).read_bytes()
        table = table_read(data, options, max_records=100_000)
        read_ms = best_of(partial(table_read, data, options, max_records=100_000))
        sniff_ms = best_of(partial(file_sniff, data))
        name = Path(relative).name
        print(f"{name:<70} {len(table.records):>8} {read_ms:>9.0f} {sniff_ms:>9.0f}")


if __name__ == "__main__":
    main()
