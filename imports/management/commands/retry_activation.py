"""Queue a failed activation again, or run it here, from the command line."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imports.management.commands.activate_results import activation_report
from imports.messages import activation_error_message
from imports.models import Activation
from imports.services.activation import activation_retry
from imports.services.activation_run import activation_run
from learnlinq.errors import InputRejected
from users.models import User


class Command(BaseCommand):
    help = (
        "Continue a failed activation with the rows it has not written yet: "
        "enqueue it again, or run it here with --wait."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("activation", type=int, help="Id of the activation.")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help=(
                "Settings administrator recorded as the one who retried "
                "(default: whoever started the activation)."
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
        activation = Activation.objects.filter(pk=options["activation"]).first()
        if activation is None:
            raise CommandError(
                f"Activation {options['activation']} does not exist. Check the id "
                "on the activations page."
            )
        user = self._user(options["username"], activation)

        try:
            activation = activation_retry(
                activation_id=activation.pk,
                retried_by=user,
                enqueue=not options["wait"],
            )
        except InputRejected as error:
            raise CommandError(
                activation_error_message(error.code, error.params)
            ) from None

        if options["wait"]:
            activation = activation_run(activation_id=activation.pk)
        activation.refresh_from_db()
        activation_report(self, activation, as_json=options["json"])

        if activation.state == Activation.State.FAILED:
            raise CommandError(
                activation_error_message(
                    activation.failure_code, activation.failure_params
                )
            )

    def _user(self, username: str | None, activation: Activation) -> User:
        if username is None:
            return activation.created_by
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_settings_administrator:
            raise CommandError(
                f"No active settings administrator with username “{username}”. "
                "Pass another username to --as."
            )
        return user
