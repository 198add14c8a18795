"""``manage.py import_results``: stage a results file from the command line."""

import json
import logging
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext

from imports.messages import (
    attachment_message,
    file_error_message,
    rejection_message,
    warning_message,
)
from imports.models import ArchiveEntryOutcome, AttachmentArchive, ImportBatch
from imports.selectors import review_groups
from imports.services.attachments import (
    attachment_archive_after_staging,
    attachment_archive_create,
    attachment_archive_process,
)
from imports.services.settings import ImportSettings
from imports.services.staging import import_batch_create, import_batch_stage
from learnlinq.errors import InputRejected
from users.models import User

logger = logging.getLogger(__name__)


def _pair(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise ArgumentTypeError(f"expected FIELD=VALUE, got {text!r}")
    return name.strip(), value


class Command(BaseCommand):
    help = (
        "Read a results file (CSV or .xlsx) into a new import, as the wizard "
        "does, and print what was staged and rejected. Nothing is activated."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("csv", metavar="CSV", help="Path of the results file.")
        parser.add_argument(
            "--user-field",
            required=True,
            help="What UserId is matched on: username, email, import_id or the "
            "name of a free field (custom_...).",
        )
        parser.add_argument("--delimiter", default=";", help="Column delimiter.")
        parser.add_argument(
            "--quotechar", default='"', help='Text qualifier; "" for none.'
        )
        parser.add_argument("--encoding", default="utf-8", help="Text encoding.")
        parser.add_argument(
            "--date-format", default="d-M-yyyy", help="Date notation, e.g. d-M-yyyy."
        )
        parser.add_argument("--sheet", default=None, help="Workbook sheet to read.")
        parser.add_argument(
            "--map",
            action="append",
            type=_pair,
            default=[],
            metavar="FIELD=COLUMN",
            help="Read a standard field from a column with another name; repeat.",
        )
        parser.add_argument(
            "--fixed",
            action="append",
            type=_pair,
            default=[],
            metavar="FIELD=VALUE",
            help="One value for every row (LearningActivityTitle or Tags); repeat.",
        )
        parser.add_argument(
            "--passed-column", default="", help="Column that contains the status."
        )
        parser.add_argument(
            "--passed-values",
            default="",
            help="Comma-separated statuses that count as passed, e.g. Complete.",
        )
        parser.add_argument(
            "--duplicates",
            choices=ImportBatch.DuplicatePolicy.values,
            default=ImportBatch.DuplicatePolicy.SKIP,
            help="skip: list duplicate rows as not imported; keep: stage them.",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            default=None,
            metavar="USERNAME",
            help="Owner of the import; default the first superuser or settings "
            "administrator.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object."
        )
        parser.add_argument(
            "--zip",
            default=None,
            metavar="ZIP",
            help="Path of a ZIP of attachments named <ResultId>_#_<file name>.",
        )
        parser.add_argument(
            "--include-rows",
            action="store_true",
            help="With --json, also list every staged row.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"File not found: {path}")
        zip_path = Path(options["zip"]) if options["zip"] else None
        if zip_path is not None and not zip_path.is_file():
            raise CommandError(f"File not found: {zip_path}")
        owner = _owner_find(options["as_user"])
        settings = _settings_from_options(options)

        try:
            with path.open("rb") as handle:
                batch = import_batch_create(
                    created_by=owner,
                    data=File(handle, name=path.name),
                    original_name=path.name,
                    settings=settings,
                )
            if zip_path is not None:
                with zip_path.open("rb") as handle:
                    attachment_archive_create(
                        batch=batch,
                        created_by=owner,
                        data=File(handle, name=zip_path.name),
                        original_name=zip_path.name,
                    )
        except InputRejected as error:
            raise CommandError(file_error_message(error.code, error.params)) from None

        batch = import_batch_stage(batch_id=batch.pk)
        if zip_path is not None:
            # The command does the worker's job itself, in order.
            batch = _attachments_process(batch)
        summary = batch_summary(batch, include_rows=options["include_rows"])

        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self._summary_write(summary)

        if batch.state == ImportBatch.State.FAILED:
            raise CommandError(summary["file_error"]["message"], returncode=1)

    def _summary_write(self, summary: dict[str, Any]) -> None:
        if summary["file_error"] is not None:
            self.stderr.write(summary["file_error"]["message"])
            return
        self.stdout.write(
            gettext(
                "Import %(batch)s: %(rows)s rows read, %(staged)s staged, "
                "%(not_passed)s not passed, %(rejected)s rejected."
            )
            % summary
        )
        for error in summary["errors"]:
            self.stdout.write("  " + error["message"])
        for warning in summary["warnings"]:
            self.stdout.write("  " + warning["message"])
        for group in summary["groups"]:
            self.stdout.write(
                gettext(
                    "  %(title)s %(tags)s: %(rows)s rows, %(participants)s learners"
                )
                % {**group, "tags": "|".join(group["tags"])}
            )


def _owner_find(username: str | None) -> User:
    if username:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user with username {username!r}.") from None

    owner = (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="settings_administrator")
            | Q(user_permissions__codename="settings_administrator")
        )
        .order_by("-is_superuser", "pk")
        .first()
    )
    if owner is None:
        raise CommandError(
            "No superuser or settings administrator exists; create one or pass --as."
        )
    return owner


def _settings_from_options(options: dict[str, Any]) -> ImportSettings:
    passed_values = tuple(
        value.strip() for value in options["passed_values"].split(",") if value.strip()
    )
    return ImportSettings(
        user_field=options["user_field"],
        delimiter=options["delimiter"].replace("\\t", "\t"),
        quotechar=options["quotechar"],
        encoding=options["encoding"],
        date_format=options["date_format"],
        column_map=dict(options["map"]),
        fixed_values=dict(options["fixed"]),
        passed_column=options["passed_column"],
        passed_values=passed_values,
        duplicate_policy=options["duplicates"],
        sheet=options["sheet"],
    )


def batch_summary(batch: ImportBatch, *, include_rows: bool = False) -> dict[str, Any]:
    """Return the command's JSON object for a staged or refused import."""
    file_error = None
    if batch.state == ImportBatch.State.FAILED:
        file_error = {
            "code": batch.file_error_code,
            "message": file_error_message(
                batch.file_error_code, batch.file_error_params
            ),
        }

    summary: dict[str, Any] = {
        "batch": batch.pk,
        "rows": batch.rows_read,
        # rows == staged + not_passed + rejected; "errors" lists both kinds.
        "staged": batch.staged_count,
        "not_passed": batch.not_passed_count,
        "rejected": batch.rejected_count - batch.not_passed_count,
        "errors": [
            {
                "line": line.line,
                "code": line.code,
                "message": rejection_message(line.code, line.params),
            }
            for line in batch.rejected_lines.order_by("line")
        ],
        "file_error": file_error,
        "groups": _groups(batch),
        "warnings": [
            {
                "line": warning.get("line"),
                "code": warning["code"],
                "message": warning_message(warning["code"], warning.get("params")),
            }
            for warning in batch.warnings
        ],
    }
    summary["attachments"] = _attachments(batch)
    if include_rows:
        summary["staged_rows"] = _staged_rows(batch)
    return summary


def _attachments_process(batch: ImportBatch) -> ImportBatch:
    archive = AttachmentArchive.objects.get(batch=batch)
    if batch.state == ImportBatch.State.STAGED:
        attachment_archive_process(archive_id=archive.pk)
    else:
        attachment_archive_after_staging(batch_id=batch.pk)
    return ImportBatch.objects.get(pk=batch.pk)


def _attachments(batch: ImportBatch) -> dict[str, Any] | None:
    """Return the ZIP's outcome: counts, and every rejected entry with its reason."""
    archive = AttachmentArchive.objects.filter(batch=batch).first()
    if archive is None:
        return None
    rejected = archive.entry_outcomes.filter(
        outcome=ArchiveEntryOutcome.Outcome.REJECTED
    ).order_by("position")
    return {
        "state": archive.state,
        "stored": archive.stored_count,
        "skipped": archive.skipped_count,
        "rejected": [
            {
                "name": outcome.name,
                "code": outcome.code,
                "message": attachment_message(outcome.code, outcome.params),
            }
            for outcome in rejected
        ],
    }


def _groups(batch: ImportBatch) -> list[dict[str, Any]]:
    return [
        {
            "title": group.title,
            "tags": list(group.tags),
            "rows": group.rows,
            "participants": group.participants,
        }
        for group in review_groups(batch=batch)
    ]


def _staged_rows(batch: ImportBatch) -> list[dict[str, Any]]:
    rows = (
        batch.staged_rows.select_related("learner")
        .prefetch_related("attachments")
        .order_by("line")
    )
    return [
        {
            "line": row.line,
            "username": row.learner.username,
            "email": row.learner.email,
            "date": row.achieved_on.isoformat(),
            "time": row.achieved_time.isoformat() if row.achieved_time else None,
            "title": row.title,
            "tags": list(row.tags),
            "result_id": row.result_id,
            "attachments": [
                {
                    "name": attachment.original_name,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                }
                for attachment in row.attachments.all()
            ],
        }
        for row in rows
    ]
