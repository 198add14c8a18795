"""Create or update users from a user CSV (Username;Name;Email;Importid;custom_*)."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from learnlinq.errors import InputRejected
from users.messages import user_import_message
from users.services import UserImportLine, UserImportReport, users_import_csv


class Command(BaseCommand):
    help = (
        "Create or update users from a CSV with the columns Username;Name;Email;"
        "Importid and optional custom_* free fields. Users are matched on "
        "username, so running the same file again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="Path of the user CSV.")
        parser.add_argument(
            "--delimiter", default=";", help="Cell delimiter (default: ;)."
        )
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="Text encoding of the file (default: utf-8-sig, UTF-8 with or "
            "without a BOM).",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the outcome as one JSON object instead of text.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error

        try:
            report = users_import_csv(
                data=data, encoding=options["encoding"], delimiter=options["delimiter"]
            )
        except InputRejected as error:
            message = user_import_message(error.code, error.params)
            raise CommandError(f"{path.name}: {message}") from error

        if options["json"]:
            self.stdout.write(json.dumps(_report_json(report), ensure_ascii=False))
        else:
            self._report_print(report)

    def _report_print(self, report: UserImportReport) -> None:
        self.stdout.write(
            f"created: {report.created}, updated: {report.updated}, "
            f"unchanged: {report.unchanged}, rejected: {report.rejected}"
        )
        if report.free_fields_created:
            names = ", ".join(report.free_fields_created)
            self.stdout.write(f"free fields created: {names}")
        for line in report.rejected_lines:
            self.stdout.write(self.style.WARNING(_line_message(line)))


def _line_message(line: UserImportLine) -> str:
    return user_import_message(line.code, {**line.params, "line": line.line})


def _report_json(report: UserImportReport) -> dict[str, Any]:
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "free_fields_created": report.free_fields_created,
        "rejected_lines": [
            {
                "line": line.line,
                "username": line.username,
                "code": line.code,
                "params": line.params,
                "message": _line_message(line),
            }
            for line in report.rejected_lines
        ],
    }
