"""Limits that keep a hostile or broken ZIP from exhausting disk, memory or time."""

from dataclasses import dataclass

MIB = 1024**2
GIB = 1024**3


@dataclass(frozen=True)
class ArchiveLimits:
    """
    Upper bounds for one attachments ZIP.

    Sizes are in bytes. Every size limit is checked against the bytes really
    produced while streaming an entry, not only against what the central
    directory declares, because a crafted archive can declare anything.
    """

    # The uploaded ZIP itself.
    max_archive_bytes: int = 2 * GIB
    # Entries of any kind, folders and skipped files included. An import of
    # 20,000 rows with two documents each stays below this.
    max_entries: int = 50_000
    # One document after decompression. A larger entry is rejected by itself.
    max_entry_bytes: int = 200 * MIB
    # All documents together after decompression. More refuses the archive.
    max_total_bytes: int = 4 * GIB
    # Uncompressed size divided by compressed size. Deflate reaches about
    # 1,000:1 on constant data. PDF, JPEG and Office files are compressed
    # already, so a far lower ratio is expected (an estimate, not measured).
    max_ratio: int = 200
    # The ratio check starts once an entry has produced this many bytes, so a
    # small, very compressible file (an empty Word template) is not refused.
    ratio_floor_bytes: int = 1 * MIB
    # The original file name as kept with the attachment.
    max_name_chars: int = 255
    # Bytes read at a time while copying an entry.
    chunk_bytes: int = 1 * MIB
