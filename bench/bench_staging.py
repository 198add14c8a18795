"""
Time ``import_batch_stage`` on the largest files the tests use.

Run from the repository root:

    .venv/bin/python bench/bench_staging.py

The script migrates a new SQLite database in a temporary folder, loads the
users the files refer to, and stages each file three times into new imports.
The later imports find the earlier rows as duplicates, the slowest path per
row. It prints the wall time of each run in milliseconds and the number of
SQL statements. Set ``BENCH_DATABASE_URL`` to measure another database; the
script writes users and imports into it.
"""

import csv
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK_DIR = Path(tempfile.mkdtemp(prefix="bench-staging-"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnlinq.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{WORK_DIR / 'bench.sqlite3'}"
)
os.environ["MEDIA_ROOT"] = str(WORK_DIR / "media")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from imports.services.settings import ImportSettings  # noqa: E402
from imports.services.staging import (  # noqa: E402
    import_batch_create,
    import_batch_stage,
)
from users.models import User  # noqa: E402

SHARED_DIR = Path(os.environ.get("LEARNLINQ_SHARED_DIR", ROOT.parent / "shared"))
CPS_FILE = (
    SHARED_DIR / "realdata/cps-restraint-certifications/certification_history.csv"
)
RUNS = 3

CASES = [
    (
        "cases/files/c06-20000-records.csv",
        ImportSettings(user_field="email"),
    ),
    (
        "realdata/cps-restraint-certifications/certification_history.csv",
        ImportSettings(
            user_field="import_id",
            delimiter=",",
            date_format="yyyy-MM-dd",
            column_map={
                "UserId": "employeeHash",
                "Timestamp": "observedDate",
                "Tags": "position",
            },
            fixed_values={"LearningActivityTitle": "Restraint training"},
            passed_column="certExpirationDate",
            passed_values=("Complete",),
        ),
    ),
]


def users_load() -> None:
    """Load the case users and one user per hashed id of the register."""
    call_command(
        "import_users", str(SHARED_DIR / "cases/users.csv"), stdout=io.StringIO()
    )

    with CPS_FILE.open(newline="", encoding="ascii") as handle:
        hashes = sorted({row["employeeHash"] for row in csv.DictReader(handle)})
    lines = ["Username;Name;Email;Importid"]
    lines += [
        f"cps{number:05d};Employee {number:05d};cps{number:05d}@example.org;{value}"
        for number, value in enumerate(hashes)
    ]
    users_file = WORK_DIR / "cps-users.csv"
    users_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_users", str(users_file), stdout=io.StringIO())


def main() -> None:
    call_command("migrate", verbosity=0)
    users_load()
    owner = User.objects.create_superuser("bench", "bench@example.org", None)

    print(f"{'file':<34} {'run':>3} {'rows':>6} {'staged':>6} {'ms':>7} {'queries':>7}")
    for relative, settings in CASES:
        data = (SHARED_DIR / relative).read_bytes()
        for run in range(1, RUNS + 1):
            batch = import_batch_create(
                created_by=owner,
                data=ContentFile(data),
                original_name=Path(relative).name,
                settings=settings,
            )
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                batch = import_batch_stage(batch_id=batch.pk)
                elapsed = (time.perf_counter() - start) * 1000
            print(
                f"{Path(relative).name[:34]:<34} {run:>3} {batch.rows_read:>6} "
                f"{batch.staged_count:>6} {elapsed:>7.0f} {len(queries):>7}"
            )


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK_DIR, ignore_errors=True)
