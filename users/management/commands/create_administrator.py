"""Create the first administrator, or repair an existing one. Safe to run again."""

import getpass
import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from users.models import User
from users.services import settings_administrator_group_ensure

USERNAME_VARIABLE = "LEARNLINQ_ADMIN_USERNAME"
PASSWORD_VARIABLE = "LEARNLINQ_ADMIN_PASSWORD"  # noqa: S105 (a variable name)
EMAIL_VARIABLE = "LEARNLINQ_ADMIN_EMAIL"


class Command(BaseCommand):
    help = (
        "Create a superuser in the settings administrators' group. The password "
        f"comes from {PASSWORD_VARIABLE}, or is asked for on a terminal. For an "
        "existing user the command only restores the superuser flags and the "
        "group, and keeps the password unless --reset-password is given."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--username",
            default=os.environ.get(USERNAME_VARIABLE, ""),
            help=f"Username of the administrator (default: ${USERNAME_VARIABLE}).",
        )
        parser.add_argument(
            "--email",
            default=os.environ.get(EMAIL_VARIABLE, ""),
            help=f"E-mail address (default: ${EMAIL_VARIABLE}).",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Set the password of an existing user as well.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        if not username:
            raise CommandError(
                f"Give --username or set {USERNAME_VARIABLE} to the administrator's "
                "username."
            )

        user = User.objects.filter(username=username).first()
        password = None
        if user is None or options["reset_password"]:
            password = self._password_read()
            self._password_check(password, username)

        with transaction.atomic():
            created = user is None
            if user is None:
                user = User(username=username)
            if options["email"]:
                user.email = options["email"]
            if password is not None:
                user.set_password(password)
            user.is_active = True
            user.is_staff = True
            user.is_superuser = True
            user.save()
            user.groups.add(settings_administrator_group_ensure())

        if created:
            self.stdout.write(f"Created administrator “{username}”.")
        else:
            self.stdout.write(
                f"Administrator “{username}” exists; it is a superuser in the "
                "settings administrators' group."
            )

    def _password_read(self) -> str:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if password:
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                f"Set {PASSWORD_VARIABLE}, or run this command on a terminal to "
                "type the password."
            )

        try:
            password = getpass.getpass("Password: ")
            repeated = getpass.getpass("Password (again): ")
        except EOFError:
            # The terminal closed its input before a password was typed.
            raise CommandError(
                "No password was typed. Run the command again, or set "
                f"{PASSWORD_VARIABLE}."
            ) from None
        if password != repeated:
            raise CommandError("The two passwords differ. Run the command again.")
        return password

    def _password_check(self, password: str, username: str) -> None:
        try:
            validate_password(password, User(username=username))
        except ValidationError as error:
            raise CommandError(
                "The password is rejected: " + " ".join(error.messages)
            ) from error
