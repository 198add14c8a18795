"""
Benchmark: read a large attachments ZIP through the real service.

Generates, in a temporary folder it removes afterwards, a ZIP of documents
made of incompressible random bytes behind valid PDF and JPEG headers, stores
it as an import's ZIP, and runs ``attachment_archive_process`` against a
temporary SQLite database. Reports throughput and peak memory, and compares
with a plain ``shutil.copyfileobj`` of the same ZIP on the same disk.

    .venv/bin/python bench/attachments_bench.py --size-mb 2048 --documents 2000
"""

import argparse
import datetime
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

MIB = 1024**2
PDF_HEAD = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 0 >>\nstream\n"
PDF_TAIL = b"\nendstream\nendobj\n%%EOF\n"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
JPEG_TAIL = b"\xff\xd9"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=2048, help="ZIP size in MiB.")
    parser.add_argument("--documents", type=int, default=2000, help="Entries.")
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="Compress entries with Deflate instead of storing them.",
    )
    parser.add_argument(
        "--dir", default=None, help="Folder for the temporary files (default: /tmp)."
    )
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="attachments-bench-", dir=options.dir))
    try:
        needed = options.size_mb * MIB * 3
        free = shutil.disk_usage(work).free
        if free < needed:
            print(f"Needs {needed // MIB} MiB free in {work}, has {free // MIB} MiB.")
            return 1
        return run(work, options)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, options: argparse.Namespace) -> int:
    # Settings are read at django.setup(), so the environment comes first.
    os.environ["LEARNLINQ_VAR_DIR"] = str(work / "var")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["ATTACHMENT_QUOTA_BYTES"] = "0"
    os.environ["IMPORT_MAX_ZIP_BYTES"] = str(4 * 1024**3)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnlinq.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()

    from django.core.files import File
    from django.core.management import call_command

    from imports.services.attachments import (
        attachment_archive_create,
        attachment_archive_process,
    )
    from tests import factories

    call_command("migrate", verbosity=0)

    zip_path = work / "bijlagen.zip"
    started = time.perf_counter()
    result_ids = zip_generate(zip_path, options)
    generated = time.perf_counter() - started
    size = zip_path.stat().st_size

    copy_seconds = plain_copy(zip_path, work / "copy.zip")

    admin = factories.settings_administrator_create(username="bench")
    batch = factories.import_batch_create(created_by=admin)
    learner = factories.user_create()
    for line, result_id in enumerate(result_ids, start=2):
        factories.staged_row_create(
            batch=batch, learner=learner, line=line, result_id=result_id
        )

    started = time.perf_counter()
    with zip_path.open("rb") as handle:
        archive = attachment_archive_create(
            batch=batch,
            created_by=admin,
            data=File(handle, name=zip_path.name),
            original_name=zip_path.name,
        )
    store_seconds = time.perf_counter() - started
    zip_path.unlink()

    tracemalloc.start()
    started = time.perf_counter()
    archive = attachment_archive_process(archive_id=archive.pk)
    process_seconds = time.perf_counter() - started
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    mib = size / MIB
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"zip: {mib:.0f} MiB, {len(result_ids)} entries, "
        f"{'deflated' if options.deflate else 'stored'}; generated in {generated:.1f} s"
    )
    print(f"archive state: {archive.state} {archive.failure_code}".rstrip())
    print(
        f"stored {archive.stored_count}, rejected {archive.rejected_count}, "
        f"skipped {archive.skipped_count}, bytes stored {archive.bytes_stored}"
    )
    print(
        f"plain copy (shutil.copyfileobj): {copy_seconds:.1f} s, "
        f"{mib / copy_seconds:.0f} MiB/s"
    )
    print(
        f"upload stored (default_storage): {store_seconds:.1f} s, "
        f"{mib / store_seconds:.0f} MiB/s"
    )
    print(
        f"processing (attachment_archive_process): {process_seconds:.1f} s, "
        f"{mib / process_seconds:.0f} MiB/s"
    )
    print(f"peak RSS (ru_maxrss): {max_rss_kib / 1024:.0f} MiB")
    print(f"tracemalloc peak during processing: {traced_peak / MIB:.1f} MiB")
    return 0 if archive.state == "finished" else 2


def zip_generate(path: Path, options: argparse.Namespace) -> list[str]:
    """Write the ZIP entry by entry and return the ResultIds it uses."""
    per_document = options.size_mb * MIB // options.documents
    method = zipfile.ZIP_DEFLATED if options.deflate else zipfile.ZIP_STORED
    result_ids = []
    with zipfile.ZipFile(path, "w", compression=method, allowZip64=True) as archive:
        for number in range(1, options.documents + 1):
            result_id = f"R{number:05d}"
            result_ids.append(result_id)
            if number % 2:
                name, head, tail = f"{result_id}_#_diploma.pdf", PDF_HEAD, PDF_TAIL
            else:
                name, head, tail = f"{result_id}_#_foto.jpg", JPEG_HEAD, JPEG_TAIL
            body = per_document - len(head) - len(tail)
            with archive.open(name, "w", force_zip64=True) as entry:
                entry.write(head)
                for offset in range(0, body, MIB):
                    entry.write(os.urandom(min(MIB, body - offset)))
                entry.write(tail)
    return result_ids


def plain_copy(source: Path, target: Path) -> float:
    started = time.perf_counter()
    with source.open("rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, MIB)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


if __name__ == "__main__":
    sys.exit(main())
