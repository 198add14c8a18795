"""
Reading an attachments ZIP: whole-archive checks, a plan per entry, and streaming.

Nothing here trusts the sizes an archive declares. The plan rejects what the
central directory already shows to be hostile: too many entries, overlapping
entries, unsafe names, encryption or unreadable compression. While it streams
an entry, ``entry_copy`` counts the bytes really produced and stops one byte
after the declared size.
"""

import copy
import hashlib
import itertools
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any, BinaryIO

from imports.archive.content import ALLOWED_EXTENSIONS
from imports.archive.limits import ArchiveLimits
from imports.archive.names import (
    UTF8_FLAG,
    attachment_name_parse,
    entry_base_name,
    entry_is_folder,
    entry_is_junk,
    entry_is_unsafe,
    entry_name_decode,
    file_extension,
    original_name_missing,
)
from learnlinq.errors import InputRejected

ENCRYPTED_FLAG = 0x1
DEFLATE64 = 9
READABLE_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
END_OF_CENTRAL_DIRECTORY = b"PK\x05\x06"
# The fixed part of the end record, plus the longest comment it may carry.
END_RECORD_SIZE = 22
END_RECORD_SEARCH = END_RECORD_SIZE + 0xFFFF
LOCAL_HEADER_SIZE = 30
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_LOCATOR_SIZE = 20
ZIP64_END_OF_CENTRAL_DIRECTORY = b"PK\x06\x06"
ZIP64_END_RECORD_SIZE = 56
# zipfile decompresses at least 4,096 bytes per step, so the slack must exceed
# that so a forged entry's extra bytes reach the caller before the CRC check.
SIZE_SLACK = 64 * 1024
# Listing every offending name could fill a page, so a message shows this many.
MAX_NAMES_IN_MESSAGE = 20


class Outcome(StrEnum):
    STORED = "stored"
    SKIPPED = "skipped"
    REJECTED = "rejected"


@dataclass
class PlannedEntry:
    """
    One entry of the archive and what happens to it.

    ``outcome`` stays ``None`` while the entry still has to be read; the
    central directory alone decides skipped entries and most rejections.
    """

    name: str
    info: zipfile.ZipInfo = field(repr=False)
    result_id: str = ""
    original_name: str = ""
    extension: str = ""
    outcome: Outcome | None = None
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def declared_size(self) -> int:
        return self.info.file_size

    def skip(self, code: str) -> None:
        self.outcome = Outcome.SKIPPED
        self.code = code
        self.params = {"name": self.name}

    def reject(self, code: str, params: dict[str, Any] | None = None) -> None:
        self.outcome = Outcome.REJECTED
        self.code = code
        self.params = {"name": self.name, **(params or {})}


@dataclass
class ByteBudget:
    """Real bytes produced by the whole archive so far, against the total limit."""

    limit: int
    used: int = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise InputRejected("archive_total_exceeded", {"max": self.limit})


@dataclass(frozen=True)
class EntryCopy:
    size: int
    sha256: str


def archive_open(file: BinaryIO, *, limits: ArchiveLimits) -> zipfile.ZipFile:
    """
    Open an uploaded archive after the checks that need no central directory.

    Raises ``InputRejected``: ``archive_too_large``, ``archive_not_zip`` or
    ``archive_too_many_entries``. The entry count is read from the end record
    before zipfile parses the directory, so an archive of millions of empty
    entries is refused without building millions of objects.
    """
    size = file.seek(0, os.SEEK_END)
    if size > limits.max_archive_bytes:
        raise InputRejected(
            "archive_too_large", {"size": size, "max": limits.max_archive_bytes}
        )

    declared_entries = _declared_entry_count(file, size)
    if declared_entries is None:
        raise InputRejected("archive_not_zip", {})
    if declared_entries > limits.max_entries:
        raise InputRejected(
            "archive_too_many_entries",
            {"count": declared_entries, "max": limits.max_entries},
        )

    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise InputRejected("archive_not_zip", {}) from error
    if len(archive.infolist()) > limits.max_entries:
        # A ZIP64 archive keeps its real count in a record the check above
        # does not read.
        count = len(archive.infolist())
        archive.close()
        raise InputRejected(
            "archive_too_many_entries", {"count": count, "max": limits.max_entries}
        )
    return archive


def _declared_entry_count(file: BinaryIO, size: int) -> int | None:
    if size < END_RECORD_SIZE:
        return None
    start = max(0, size - END_RECORD_SEARCH)
    file.seek(start)
    tail = file.read(size - start)
    position = tail.rfind(END_OF_CENTRAL_DIRECTORY)
    if position < 0 or position + END_RECORD_SIZE > len(tail):
        return None
    # Total number of entries, bytes 10-11 of the end record.
    count = int.from_bytes(tail[position + 10 : position + 12], "little")
    if count == 0xFFFF and position >= ZIP64_LOCATOR_SIZE:
        # More than 65,534 entries: the real count is in the ZIP64 end
        # record, which the locator right before the end record points to.
        count = _zip64_entry_count(file, tail[position - ZIP64_LOCATOR_SIZE : position])
    return count


def _zip64_entry_count(file: BinaryIO, locator: bytes) -> int:
    if not locator.startswith(ZIP64_LOCATOR):
        return 0xFFFF
    file.seek(int.from_bytes(locator[8:16], "little"))
    record = file.read(ZIP64_END_RECORD_SIZE)
    if not record.startswith(ZIP64_END_OF_CENTRAL_DIRECTORY):
        return 0xFFFF
    # Total number of entries, bytes 32-39 of the ZIP64 end record.
    return int.from_bytes(record[32:40], "little")


def archive_plan(
    archive: zipfile.ZipFile, *, limits: ArchiveLimits
) -> list[PlannedEntry]:
    """
    Decide for every entry whether it is skipped, rejected or still to be read.

    1. Refuse the whole archive for faults in any entry that show the archive
       is hostile or unreadable: unsafe names, encryption, compression
       methods Python cannot read, overlapping entries, and a declared total
       beyond the limit. All offending names are collected first, so the
       message lists them together.
    2. Skip folders and operating-system junk. Reject an entry whose type is
       not allowed, whose name is not ``<ResultId>_#_<name>``, that is empty
       or too large, or that repeats a name for the same ResultId.
    ResultIds are not checked against staged rows here, because that needs the
    database and is the caller's job.
    """
    infos = archive.infolist()
    entries = [PlannedEntry(name=entry_name_decode(info), info=info) for info in infos]
    _hostile_reject(archive, entries)

    seen: set[tuple[str, str]] = set()
    for entry in entries:
        _classify(entry, limits=limits, seen=seen)

    declared_total = sum(e.declared_size for e in entries if e.outcome is None)
    if declared_total > limits.max_total_bytes:
        raise InputRejected(
            "archive_total_exceeded",
            {"total": declared_total, "max": limits.max_total_bytes},
        )
    return entries


def _hostile_reject(archive: zipfile.ZipFile, entries: list[PlannedEntry]) -> None:
    unsafe = [e.name for e in entries if entry_is_unsafe(e.name)]
    if unsafe:
        raise InputRejected("archive_unsafe_names", _names_params(unsafe))

    files = [e for e in entries if not entry_is_folder(e.name)]
    encrypted = [e.name for e in files if e.info.flag_bits & ENCRYPTED_FLAG]
    if encrypted:
        raise InputRejected("archive_encrypted", _names_params(encrypted))

    deflate64 = [e.name for e in files if e.info.compress_type == DEFLATE64]
    if deflate64:
        raise InputRejected("archive_deflate64", _names_params(deflate64))
    unreadable = [e for e in files if e.info.compress_type not in READABLE_METHODS]
    if unreadable:
        params = _names_params([e.name for e in unreadable])
        params["method"] = unreadable[0].info.compress_type
        raise InputRejected("archive_method_unsupported", params)

    overlapping = _overlapping_entries(archive, entries)
    if overlapping:
        raise InputRejected("archive_overlapping_entries", _names_params(overlapping))


def _names_params(names: list[str]) -> dict[str, Any]:
    shown = names[:MAX_NAMES_IN_MESSAGE]
    return {"names": shown, "count": len(names), "more": len(names) - len(shown)}


def _overlapping_entries(
    archive: zipfile.ZipFile, entries: list[PlannedEntry]
) -> list[str]:
    """
    Name entries whose data would overlap the next entry or the directory.

    A "quoted overlap" bomb points many central-directory records into one
    compressed block, so each record looks small while the archive inflates
    to gigabytes. Each entry needs at least its local header, its name and
    its compressed data before the next one may start.
    """
    ordered = sorted(entries, key=lambda e: e.info.header_offset)
    overlapping: list[str] = []
    for current, following in itertools.pairwise(ordered):
        if following.info.header_offset < _minimum_end(current.info):
            overlapping.append(following.name)
    if ordered and _minimum_end(ordered[-1].info) > archive.start_dir:
        overlapping.append(ordered[-1].name)
    return overlapping


def _minimum_end(info: zipfile.ZipInfo) -> int:
    encoding = "utf-8" if info.flag_bits & UTF8_FLAG else "cp437"
    name_length = len(info.orig_filename.encode(encoding, errors="replace"))
    return info.header_offset + LOCAL_HEADER_SIZE + name_length + info.compress_size


def _classify(
    entry: PlannedEntry, *, limits: ArchiveLimits, seen: set[tuple[str, str]]
) -> None:
    if entry_is_folder(entry.name):
        entry.skip("folder")
        return
    if entry_is_junk(entry.name):
        entry.skip("system_file")
        return

    # The type is checked first: a .txt file is never accepted, whatever its
    # name, and that is the more useful message. A name with nothing after
    # the separator has no type to check, so that is reported instead.
    base_name = entry_base_name(entry.name)
    entry.extension = file_extension(base_name)
    if original_name_missing(base_name):
        entry.reject("name_missing", {"name": base_name})
        return
    if entry.extension not in ALLOWED_EXTENSIONS:
        entry.reject("type_not_allowed", {"extension": entry.extension})
        return

    try:
        parsed = attachment_name_parse(base_name, max_chars=limits.max_name_chars)
    except InputRejected as error:
        entry.reject(error.code, error.params)
        return
    entry.result_id = parsed.result_id
    entry.original_name = parsed.original_name

    if entry.declared_size == 0:
        entry.reject("empty_file")
    elif entry.declared_size > limits.max_entry_bytes:
        entry.reject(
            "too_large", {"size": entry.declared_size, "max": limits.max_entry_bytes}
        )
    else:
        # Windows and macOS file systems ignore case, so "Diploma.pdf" and
        # "diploma.pdf" would overwrite each other on a learner's disk.
        key = (entry.result_id, entry.original_name.casefold())
        if key in seen:
            entry.reject("duplicate_name", {"result_id": entry.result_id})
        seen.add(key)


def entry_copy(
    archive: zipfile.ZipFile,
    entry: PlannedEntry,
    target: BinaryIO,
    *,
    limits: ArchiveLimits,
    budget: ByteBudget,
) -> EntryCopy:
    """
    Stream one entry into ``target`` while hashing it and counting real bytes.

    Raises ``InputRejected`` for the whole archive: ``archive_entry_too_big``
    when the entry inflates beyond its declared size, ``archive_ratio_exceeded``
    for an extreme compression ratio, ``archive_total_exceeded`` from the
    budget, and ``archive_entry_corrupt`` for a CRC or decompression error.
    """
    declared = entry.declared_size
    # zipfile stops at the declared size and then reports a CRC error, which
    # hides a forged size. With some slack allowed beyond the declaration, a
    # forged entry produces bytes past its declared size that can be seen.
    info = copy.copy(entry.info)
    info.file_size = declared + SIZE_SLACK
    ratio_limit = limits.max_ratio * max(entry.info.compress_size, 1)

    digest = hashlib.sha256()
    produced = 0
    try:
        with archive.open(info) as source:
            while produced < declared:
                chunk = source.read(min(limits.chunk_bytes, declared - produced))
                if not chunk:
                    break
                produced += len(chunk)
                if produced >= limits.ratio_floor_bytes and produced > ratio_limit:
                    raise InputRejected(
                        "archive_ratio_exceeded",
                        {"name": entry.name, "max": limits.max_ratio},
                    )
                budget.spend(len(chunk))
                digest.update(chunk)
                target.write(chunk)
            _check_end(source, entry)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise InputRejected("archive_entry_corrupt", {"name": entry.name}) from error

    if produced != declared:
        raise InputRejected("archive_entry_corrupt", {"name": entry.name})
    return EntryCopy(size=produced, sha256=digest.hexdigest())


def _check_end(source: IO[bytes], entry: PlannedEntry) -> None:
    """
    Read past the declared size and refuse the archive if anything is there.

    A genuine entry ends exactly at its declared size, and zipfile verifies
    its CRC on reaching the end. A forged one produces another byte.
    """
    if source.read(1):
        raise InputRejected(
            "archive_entry_too_big",
            {"name": entry.name, "declared": entry.declared_size},
        )
