"""Writes and workflows for users, free fields and the administrator role."""

import datetime
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from users.models import FreeField, FreeFieldValue, Notification, User
from users.user_csv import (
    EMAIL,
    IMPORT_ID,
    NAME,
    USERNAME,
    UserHeader,
    UserRecord,
    user_csv_decode,
    user_csv_read,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The group's name is stored in English and translated when shown.
SETTINGS_ADMINISTRATORS_GROUP = gettext_noop("Settings administrators")


def settings_administrator_group_ensure() -> Group:
    """Create the settings administrators' group with its permission if missing."""
    group, _created = Group.objects.get_or_create(name=SETTINGS_ADMINISTRATORS_GROUP)
    permission = Permission.objects.filter(
        content_type__app_label="users", codename="settings_administrator"
    ).first()
    if permission is not None:
        group.permissions.add(permission)
    return group


def notification_create(
    *,
    recipient: User,
    code: str,
    params: Mapping[str, Any],
    link: str = "",
) -> Notification:
    """
    Store an in-app message for ``recipient``.

    ``code`` must be registered with ``users.notifications``. The text is
    translated when the notification is shown, so ``params`` must contain
    plain JSON values (numbers, strings), not translated strings or models.
    """
    notification = Notification.objects.create(
        recipient=recipient, code=code, params=dict(params), link=link
    )
    logger.info(
        "Notification %s (%s) created for user %s",
        notification.pk,
        code,
        recipient.pk,
    )
    return notification


def notifications_mark_read(*, recipient: User) -> int:
    """Mark every unread notification of ``recipient`` as read; return how many."""
    count = Notification.objects.filter(
        recipient=recipient, read_at__isnull=True
    ).update(read_at=timezone.now())
    logger.info("Marked %s notifications read for user %s", count, recipient.pk)
    return count


# --- User CSV import ---------------------------------------------------------

# Values per IN (...) lookup. SQLite allows at most 32766 bound parameters
# since version 3.32, and this keeps each statement well under that.
_LOOKUP_CHUNK = 5000
# A bulk_update statement has one CASE WHEN branch per row and field, so
# batches of 500 rows keep each statement small.
_UPDATE_BATCH = 500

_USER_MAX_LENGTHS = {"name": 255, "email": 254, "import_id": 255}


class UserImportOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class UserImportLine:
    """The outcome of one data line of a user CSV, with a code when rejected."""

    line: int
    username: str
    outcome: UserImportOutcome
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class UserImportReport:
    """The outcomes of the data lines of a user CSV, and the free fields created."""

    lines: list[UserImportLine] = field(default_factory=list)
    free_fields_created: list[str] = field(default_factory=list)

    def count(self, outcome: UserImportOutcome) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count(UserImportOutcome.CREATED)

    @property
    def updated(self) -> int:
        return self.count(UserImportOutcome.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UserImportOutcome.UNCHANGED)

    @property
    def rejected(self) -> int:
        return self.count(UserImportOutcome.REJECTED)

    @property
    def rejected_lines(self) -> list[UserImportLine]:
        return [
            line for line in self.lines if line.outcome == UserImportOutcome.REJECTED
        ]


@dataclass
class _UserDraft:
    """A data line that passed the checks that need no database."""

    line: int
    username: str
    # Only the columns the file has: a missing column leaves the field alone.
    fields: dict[str, str | None]
    free_values: dict[str, str]


def users_import_csv(
    *, data: bytes, encoding: str = "utf-8-sig", delimiter: str = ";"
) -> UserImportReport:
    """
    Create or update users from a user CSV and report every data line.

    A line updates the user with the same username, so running a file twice
    changes nothing the second time. Each column the file has is taken as the
    whole truth: an empty ``Email`` cell clears the address, and an empty
    ``custom_*`` cell removes that free field's value. Free fields are created
    as text fields the first time a ``custom_*`` column appears. Values are
    stored as text, so employee numbers keep their leading zeros.

    1. Read the header and check each line on its own (username, e-mail,
       lengths, duplicates within the file). A fault of the whole file
       raises ``InputRejected`` and rolls back anything written.
    2. Look up existing users by username and by import ID in a few queries,
       and reject a line whose import ID another user already holds. Swapping
       two users' import IDs therefore takes two runs.
    3. Write users and free field values in bulk, all in one transaction.
    """
    text = user_csv_decode(data, encoding)
    header, records = user_csv_read(text, delimiter=delimiter)
    report = UserImportReport()
    logger.info("User import started: %d bytes, %s", len(data), encoding)

    with transaction.atomic():
        free_fields = _free_fields_ensure(header, report)
        drafts = _user_drafts_check(header, records, free_fields, report)
        _user_drafts_save(drafts, free_fields, report)

    report.lines.sort(key=lambda line: line.line)
    logger.info(
        "User import finished: %d created, %d updated, %d unchanged, %d rejected",
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
    )
    return report


def _chunks(values: Sequence[T], size: int = _LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _reject(
    report: UserImportReport,
    line: int,
    username: str,
    code: str,
    params: dict[str, Any],
) -> None:
    report.lines.append(
        UserImportLine(line, username, UserImportOutcome.REJECTED, code, params)
    )


def _free_fields_ensure(
    header: UserHeader, report: UserImportReport
) -> dict[str, FreeField]:
    names = [name for name, _position in header.free_fields]
    if not names:
        return {}

    found = {
        free_field.name: free_field
        for free_field in FreeField.objects.filter(name__in=names)
    }
    missing = [FreeField(name=name) for name in names if name not in found]
    if missing:
        # bulk_create sets the new primary keys on SQLite 3.35+ and PostgreSQL.
        FreeField.objects.bulk_create(missing)
        report.free_fields_created = [free_field.name for free_field in missing]
        found.update((free_field.name, free_field) for free_field in missing)
        logger.info(
            "User import created free fields %s", ", ".join(report.free_fields_created)
        )
    return found


def _user_drafts_check(
    header: UserHeader,
    records: Iterable[UserRecord | tuple[int, int]],
    free_fields: dict[str, FreeField],
    report: UserImportReport,
) -> list[_UserDraft]:
    drafts: list[_UserDraft] = []
    first_line_of: dict[str, int] = {}

    for record in records:
        if isinstance(record, tuple):
            line, found = record
            params = {"expected": header.width, "found": found}
            _reject(report, line, "", "cell_count", params)
            continue

        draft_or_code = _user_draft_build(header, record, free_fields)
        username = record.get(header, USERNAME) or ""
        if isinstance(draft_or_code, tuple):
            code, params = draft_or_code
            _reject(report, record.line, username, code, params)
            continue

        if username in first_line_of:
            _reject(
                report,
                record.line,
                username,
                "username_duplicate",
                {"username": username, "first_line": first_line_of[username]},
            )
            continue
        first_line_of[username] = record.line
        drafts.append(draft_or_code)

    return drafts


def _user_draft_build(
    header: UserHeader, record: UserRecord, free_fields: dict[str, FreeField]
) -> _UserDraft | tuple[str, dict[str, Any]]:
    """Return the checked line, or the rejection code and its parameters."""
    username = record.get(header, USERNAME) or ""
    if not username:
        return "username_missing", {}
    if len(username) > 150:
        return "value_too_long", {"column": "Username", "max": 150}
    try:
        User.username_validator(username)
    except ValidationError:
        return "username_invalid", {"username": username}

    fields: dict[str, str | None] = {}
    name = record.get(header, NAME)
    if name is not None:
        fields["name"] = name
    email = record.get(header, EMAIL)
    if email is not None:
        fields["email"] = email
    import_id = record.get(header, IMPORT_ID)
    if import_id is not None:
        fields["import_id"] = import_id or None

    for key, value in fields.items():
        if value is not None and len(value) > _USER_MAX_LENGTHS[key]:
            column = {"name": "Name", "email": "Email", "import_id": "Importid"}[key]
            return "value_too_long", {"column": column, "max": _USER_MAX_LENGTHS[key]}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return "email_invalid", {"value": email}

    free_values: dict[str, str] = {}
    for field_name, position in header.free_fields:
        value = record.cells[position]
        problem = _free_value_check(free_fields[field_name], value)
        if problem is not None:
            return problem
        free_values[field_name] = value

    return _UserDraft(record.line, username, fields, free_values)


def _free_value_check(
    free_field: FreeField, value: str
) -> tuple[str, dict[str, Any]] | None:
    if len(value) > 255:
        return "value_too_long", {"column": free_field.name, "max": 255}
    if value and free_field.type == FreeField.Type.DATE:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            params = {"column": free_field.name, "value": value}
            return "free_field_date_invalid", params
    return None


def _users_by(field_name: str, values: Sequence[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(values):
        for user in User.objects.filter(**{f"{field_name}__in": chunk}):
            found[getattr(user, field_name)] = user
    return found


def _user_drafts_save(
    drafts: list[_UserDraft],
    free_fields: dict[str, FreeField],
    report: UserImportReport,
) -> None:
    by_username = _users_by("username", [draft.username for draft in drafts])
    import_ids = [value for draft in drafts if (value := draft.fields.get("import_id"))]
    by_import_id = _users_by("import_id", import_ids)

    accepted: list[_UserDraft] = []
    claimed_by: dict[str, str] = {}
    for draft in drafts:
        import_id = draft.fields.get("import_id")
        if not import_id:
            accepted.append(draft)
            continue

        holder = claimed_by.get(import_id)
        stored_holder = by_import_id.get(import_id)
        if holder is None and stored_holder is not None:
            holder = stored_holder.username
        if holder is not None and holder != draft.username:
            _reject(
                report,
                draft.line,
                draft.username,
                "import_id_taken",
                {"value": import_id, "username": holder},
            )
            continue
        claimed_by[import_id] = draft.username
        accepted.append(draft)

    existing_users = [
        user for draft in accepted if (user := by_username.get(draft.username))
    ]
    stored_values = _free_values_of(existing_users, list(free_fields.values()))

    new_users: list[User] = []
    changed_users: list[User] = []
    changed_fields: set[str] = set()
    value_writes: list[tuple[User, _UserDraft]] = []
    for draft in accepted:
        user = by_username.get(draft.username)
        if user is None:
            user = User(username=draft.username, password=make_password(None))
            for key, value in draft.fields.items():
                setattr(user, key, value if key == "import_id" else value or "")
            new_users.append(user)
            value_writes.append((user, draft))
            report.lines.append(
                UserImportLine(draft.line, draft.username, UserImportOutcome.CREATED)
            )
            continue

        user_changes = _user_changes(user, draft)
        values_change = _free_values_differ(user, draft, free_fields, stored_values)
        if user_changes:
            changed_users.append(user)
            changed_fields.update(user_changes)
        if values_change:
            value_writes.append((user, draft))
        outcome = (
            UserImportOutcome.UPDATED
            if user_changes or values_change
            else UserImportOutcome.UNCHANGED
        )
        report.lines.append(UserImportLine(draft.line, draft.username, outcome))

    User.objects.bulk_create(new_users)
    if changed_users:
        User.objects.bulk_update(
            changed_users, sorted(changed_fields), batch_size=_UPDATE_BATCH
        )
    _free_values_write(value_writes, free_fields, stored_values)


def _user_changes(user: User, draft: _UserDraft) -> list[str]:
    changed = []
    for key, value in draft.fields.items():
        new_value = value if key == "import_id" else value or ""
        if getattr(user, key) != new_value:
            setattr(user, key, new_value)
            changed.append(key)
    return changed


def _free_values_of(
    users: list[User], free_fields: list[FreeField]
) -> dict[tuple[int, int], FreeFieldValue]:
    """Return the stored values of these users for these fields, by (user, field)."""
    if not users or not free_fields:
        return {}
    stored: dict[tuple[int, int], FreeFieldValue] = {}
    for chunk in _chunks([user.pk for user in users]):
        values = FreeFieldValue.objects.filter(user_id__in=chunk, field__in=free_fields)
        for value in values:
            stored[(value.user_id, value.field_id)] = value
    return stored


def _free_values_differ(
    user: User,
    draft: _UserDraft,
    free_fields: dict[str, FreeField],
    stored_values: dict[tuple[int, int], FreeFieldValue],
) -> bool:
    for name, value in draft.free_values.items():
        stored = stored_values.get((user.pk, free_fields[name].pk))
        if (stored.value if stored else "") != value:
            return True
    return False


def _free_values_write(
    writes: list[tuple[User, _UserDraft]],
    free_fields: dict[str, FreeField],
    stored_values: dict[tuple[int, int], FreeFieldValue],
) -> None:
    to_create: list[FreeFieldValue] = []
    to_update: list[FreeFieldValue] = []
    to_delete: list[int] = []

    for user, draft in writes:
        for name, value in draft.free_values.items():
            free_field = free_fields[name]
            stored = stored_values.get((user.pk, free_field.pk))
            if stored is None:
                if value:
                    to_create.append(
                        FreeFieldValue(field=free_field, user=user, value=value)
                    )
            elif not value:
                to_delete.append(stored.pk)
            elif stored.value != value:
                stored.value = value
                to_update.append(stored)

    FreeFieldValue.objects.bulk_create(to_create)
    if to_update:
        FreeFieldValue.objects.bulk_update(
            to_update, ["value"], batch_size=_UPDATE_BATCH
        )
    for chunk in _chunks(to_delete):
        FreeFieldValue.objects.filter(pk__in=chunk).delete()
