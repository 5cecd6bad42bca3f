"""A small, strict reader of OLE2 compound files: the container of .xls and of encrypted Office files.

It reads only what the guards need: the names of the streams and the bytes of one stream. Every sector
number, chain and size is checked against the file, so a damaged or hostile container is refused here,
before calamine opens it (calamine reserves memory from header fields and can abort the process on a
file of a few hundred bytes).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_MAX_REGULAR_SECTOR = 0xFFFFFFFA
_HEADER_DIFAT = 109
_STREAM = 2
_ROOT = 5


class CompoundFileError(ValueError):
    """The container is damaged or not a compound file (an English reason, for logs)."""


@dataclass(frozen=True)
class Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class CompoundFile:
    """The directory of a compound file and its streams' bytes."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(MAGIC):
            raise CompoundFileError("not a compound file")
        major, byte_order, sector_shift, mini_shift = struct.unpack_from("<HHHH", data, 26)
        if byte_order != 0xFFFE or (major, sector_shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise CompoundFileError("unsupported header")
        self._data = data
        self.sector_size = 1 << sector_shift
        self.sector_count = max(0, (len(data) - self.sector_size + self.sector_size - 1) // self.sector_size)
        (fat_sectors, dir_start, _, self.mini_cutoff, minifat_start, minifat_sectors, difat_start,
         difat_sectors) = struct.unpack_from("<IIIIIIII", data, 44)
        if fat_sectors > self.sector_count or minifat_sectors > self.sector_count or difat_sectors > self.sector_count:
            raise CompoundFileError("sector counts beyond the file")
        self._fat = self._read_fat(fat_sectors, difat_start)
        self.entries = self._read_directory(dir_start)
        root = self.entries[0]
        if root.kind != _ROOT:
            raise CompoundFileError("no root entry")
        self._minifat: tuple[int, ...] = ()
        self._ministream = b""
        if minifat_sectors and minifat_start != _ENDOFCHAIN:
            raw = b"".join(self._sector(s) for s in self._chain(minifat_start, self._fat, self.sector_count))
            self._minifat = struct.unpack_from(f"<{len(raw) // 4}I", raw)
            self._ministream = b"".join(self._sector(s) for s in self._chain(root.start, self._fat, self.sector_count))

    def _sector(self, sector: int) -> bytes:
        offset = (sector + 1) * self.sector_size
        return self._data[offset:offset + self.sector_size]

    def _read_fat(self, fat_sectors: int, difat_start: int) -> tuple[int, ...]:
        ids = list(struct.unpack_from(f"<{_HEADER_DIFAT}I", self._data, 76))
        per_sector = self.sector_size // 4 - 1
        seen: set[int] = set()
        sector = difat_start
        while sector not in (_ENDOFCHAIN, _FREESECT):
            if sector >= self.sector_count or sector in seen:
                raise CompoundFileError("broken DIFAT chain")
            seen.add(sector)
            values = struct.unpack_from(f"<{per_sector + 1}I", self._sector(sector).ljust(self.sector_size, b"\0"))
            ids.extend(values[:per_sector])
            sector = values[per_sector]
        fat_ids = [s for s in ids if s <= _MAX_REGULAR_SECTOR][:fat_sectors]
        if any(s >= self.sector_count for s in fat_ids):
            raise CompoundFileError("FAT sector beyond the file")
        raw = b"".join(self._sector(s).ljust(self.sector_size, b"\0") for s in fat_ids)
        return struct.unpack_from(f"<{len(raw) // 4}I", raw)

    def _chain(self, start: int, table: tuple[int, ...], count: int) -> list[int]:
        """The sectors of a chain among ``count`` sectors; a loop or a sector beyond the file is refused."""
        chain: list[int] = []
        sector = start
        while sector != _ENDOFCHAIN:
            if sector >= count or sector >= len(table) or len(chain) >= count:
                raise CompoundFileError("broken sector chain")
            chain.append(sector)
            sector = table[sector]
        return chain

    def _read_directory(self, start: int) -> list[Entry]:
        raw = b"".join(self._sector(s) for s in self._chain(start, self._fat, self.sector_count))
        entries = []
        for offset in range(0, len(raw) - 127, 128):
            name_bytes, = struct.unpack_from("<H", raw, offset + 64)
            kind = raw[offset + 66]
            start_sector, size = struct.unpack_from("<IQ", raw, offset + 116)
            if self.sector_size == 512:
                size &= 0xFFFFFFFF  # version 3 files may leave the high half uninitialised
            name = raw[offset:offset + min(name_bytes, 64)].decode("utf-16-le", errors="replace").rstrip("\0")
            entries.append(Entry(name, kind, start_sector, size))
        if not entries:
            raise CompoundFileError("empty directory")
        return entries

    def find(self, *names: str) -> Entry | None:
        """The first stream named one of ``names`` (case-insensitive)."""
        wanted = {n.lower() for n in names}
        return next((e for e in self.entries if e.kind == _STREAM and e.name.lower() in wanted), None)

    def read(self, entry: Entry) -> bytes:
        """A stream's bytes, from the regular or the mini stream as its size says."""
        if entry.size < self.mini_cutoff:
            sectors = self._chain(entry.start, self._minifat, len(self._ministream) // 64)
            data = b"".join(self._ministream[s * 64:(s + 1) * 64] for s in sectors)
        else:
            data = b"".join(self._sector(s) for s in self._chain(entry.start, self._fat, self.sector_count))
        if len(data) < entry.size:
            raise CompoundFileError("stream shorter than its size")
        return data[:entry.size]
