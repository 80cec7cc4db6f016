"""Uploaded zip archives (a school's photos, XLSX workbooks): what an archive declares, read from
its last bytes before zipfile parses its directory into one object per entry."""

from __future__ import annotations

import io
import struct
import zipfile
from typing import IO

_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_RECORD = b"PK\x06\x06"

# What opening an archive can raise for a damaged or hostile file.
BAD_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    struct.error,
)


def declared_entries(archive: IO[bytes]) -> int:
    """How many entries the archive's end record declares (zip64 included); BadZipFile without
    one. Reads at most the last 64 KB (and a zip64 record); leaves the file at its start.

    A 512 MB zip of empty entries declares ten million of them: a limit on this number is
    checked before zipfile.ZipFile builds them all."""
    archive.seek(0, io.SEEK_END)
    size = archive.tell()
    archive.seek(size - min(size, 22 + 0xFFFF))  # the record, then a comment of up to 64 KB
    tail = archive.read()
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) < at + 22:
        raise zipfile.BadZipFile("no end of central directory record")
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    if entries == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR:
        (record_offset,) = struct.unpack_from("<Q", tail, at - 20 + 8)
        archive.seek(record_offset)
        record = archive.read(56)
        if len(record) == 56 and record[:4] == _ZIP64_END_RECORD:
            (entries,) = struct.unpack_from("<Q", record, 32)
    archive.seek(0)
    return int(entries)
