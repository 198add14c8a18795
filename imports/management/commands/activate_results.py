"""Activate review groups of a staged import from the command line."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imports.messages import activation_error_message
from imports.models import Activation, ImportBatch
from imports.reading.values import tags_key, tags_split
from imports.selectors import GroupKey, ReviewGroup, review_groups
from imports.services.activation import activation_create
from imports.services.activation_run import activation_run
from learnlinq.errors import InputRejected
from results.models import ExternalResult
from users.models import User

# Separates the title from the tags in --group, e.g. "BHV::herhaling|2021".
GROUP_TAGS_SEPARATOR = "::"
# Groups listed in the error for an unknown --group, because a batch can have
# thousands of titles.
GROUPS_LISTED_MAX = 20


def group_spec_parse(spec: str) -> GroupKey:
    """Turn ``TITLE[::TAG|TAG]`` into the key of a review group."""
    title, _separator, tags = spec.partition(GROUP_TAGS_SEPARATOR)
    return GroupKey(title=title.strip(), tags_key=tags_key(tags_split(tags)))


def group_spec_format(group: ReviewGroup) -> str:
    if not group.tags:
        return group.title
    return f"{group.title}{GROUP_TAGS_SEPARATOR}{'|'.join(group.tags)}"


def activation_report(
    command: BaseCommand, activation: Activation, *, as_json: bool
) -> None:
    """Print an activation's state and counts, as text or as one JSON object."""
    external_result_ids = sorted(
        {
            group.external_result_id
            for group in activation.groups.all()
            if group.external_result_id is not None
        }
    )
    if as_json:
        payload = {
            "activation": activation.pk,
            "batch": activation.batch_id,
            "mode": activation.mode,
            "state": activation.state,
            "total": activation.total_rows,
            "done": activation.done_rows,
            "external_results": external_result_ids,
            "failure_code": activation.failure_code,
        }
        command.stdout.write(json.dumps(payload))
        return

    command.stdout.write(
        f"Activation {activation.pk} of import {activation.batch_id}: "
        f"{activation.state}, {activation.done_rows} of {activation.total_rows} "
        "rows written."
    )
    if external_result_ids:
        listed = ", ".join(str(pk) for pk in external_result_ids)
        command.stdout.write(f"External Results: {listed}")


class Command(BaseCommand):
    help = (
        "Turn staged rows of an import into results: choose the review groups, "
        "the mode and the External Result, then enqueue the activation or run it "
        "here with --wait."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch", type=int, required=True, help="Id of the staged import."
        )
        groups = parser.add_mutually_exclusive_group(required=True)
        groups.add_argument(
            "--all",
            action="store_true",
            help="Activate every review group of the import not yet activated.",
        )
        groups.add_argument(
            "--group",
            action="append",
            metavar="TITLE[::TAG|TAG]",
            help=(
                "A review group by title and tags (tags in any order and case). "
                "Repeat the option for more groups."
            ),
        )
        parser.add_argument(
            "--mode",
            required=True,
            choices=Activation.Mode.values,
            help=(
                "merge: one External Result for all groups; individual: a new "
                "External Result per group; portfolio: portfolio only, none."
            ),
        )
        parser.add_argument(
            "--external-result",
            type=int,
            metavar="ID",
            help="Id of an existing External Result to merge into (merge mode).",
        )
        parser.add_argument(
            "--title", default="", help="Title of a new External Result."
        )
        parser.add_argument(
            "--library-title",
            default="",
            help="Library title of the new External Result (default: the title).",
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help=(
                "Settings administrator recorded as the one who activated and "
                "notified (default: whoever uploaded the import)."
            ),
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Run the activation in this process instead of a worker.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = self._batch(options["batch"])
        user = self._user(options["username"], batch)
        external_result = self._external_result(options["external_result"])
        keys = self._keys(batch, options["all"], options["group"] or [])

        try:
            activation = activation_create(
                batch=batch,
                created_by=user,
                keys=keys,
                mode=options["mode"],
                external_result=external_result,
                new_title=options["title"],
                new_library_title=options["library_title"],
                enqueue=not options["wait"],
            )
        except InputRejected as error:
            raise CommandError(
                activation_error_message(error.code, error.params)
            ) from None

        if options["wait"]:
            activation = activation_run(activation_id=activation.pk)
        activation.refresh_from_db()
        self._report(activation, as_json=options["json"])

        if activation.state == Activation.State.FAILED:
            raise CommandError(
                activation_error_message(
                    activation.failure_code, activation.failure_params
                )
            )

    def _batch(self, batch_id: int) -> ImportBatch:
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(
                f"Import {batch_id} does not exist. Run import_results first, or "
                "check the id on the imports page."
            )
        return batch

    def _user(self, username: str | None, batch: ImportBatch) -> User:
        if username is None:
            user = batch.created_by
        else:
            found = User.objects.filter(username=username).first()
            if found is None:
                raise CommandError(
                    f"No user with username “{username}”. Pass the username of a "
                    "settings administrator to --as."
                )
            user = found
        if not user.is_settings_administrator:
            raise CommandError(
                f"User “{user.username}” is not an active settings administrator. "
                "Pass another user with --as."
            )
        return user

    def _external_result(self, external_result_id: int | None) -> ExternalResult | None:
        if external_result_id is None:
            return None
        external_result = ExternalResult.objects.filter(pk=external_result_id).first()
        if external_result is None:
            raise CommandError(
                f"External Result {external_result_id} does not exist. Look up its "
                "id in the library, or create a new one with --title."
            )
        return external_result

    def _keys(
        self, batch: ImportBatch, select_all: bool, specs: list[str]
    ) -> list[GroupKey]:
        groups = review_groups(batch=batch)
        if select_all:
            if not groups:
                raise CommandError(
                    f"Import {batch.pk} has no staged rows left to activate."
                )
            return [group.key for group in groups]

        available = {group.key for group in groups}
        keys = []
        for spec in specs:
            key = group_spec_parse(spec)
            if key not in available:
                raise CommandError(self._unknown_group_message(batch, spec, groups))
            keys.append(key)
        return keys

    def _unknown_group_message(
        self, batch: ImportBatch, spec: str, groups: list[ReviewGroup]
    ) -> str:
        listed = [
            f"  {group_spec_format(group)} ({group.rows} rows)"
            for group in groups[:GROUPS_LISTED_MAX]
        ]
        if len(groups) > GROUPS_LISTED_MAX:
            listed.append(f"  ... and {len(groups) - GROUPS_LISTED_MAX} more")
        if not listed:
            listed = ["  (none: every row is activated or deleted)"]
        choices = "\n".join(listed)
        return (
            f"Import {batch.pk} has no review group “{spec}” waiting for "
            f"activation. Pass --group as TITLE or TITLE::TAG|TAG, one of:\n{choices}"
        )

    def _report(self, activation: Activation, *, as_json: bool) -> None:
        activation_report(self, activation, as_json=as_json)
