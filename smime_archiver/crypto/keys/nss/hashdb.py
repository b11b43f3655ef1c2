"""A read-only reader of Berkeley DB 1.85 hash files, as NSS wrote ``key3.db`` and ``cert8.db``.

NSS carried its own copy of 4.4BSD's ``db`` hash package (``lib/dbm``); the
legacy databases are plain hash files of that package.  The layout:

* The header page(s): a ``HASHHDR`` of 32-bit big-endian fields (magic
  0x061561, version, byte order, page size, ..., ``max_bucket``, the header
  page count and the ``spares`` table that places overflow pages).
* Bucket pages and overflow pages of ``bsize`` bytes.  A page starts with an
  index of 16-bit words in the file's byte order (``lorder``): ``n``, then
  ``n`` offsets, then the free-space count and the free-space offset.  Pairs
  are (key offset, data offset); keys and data are stored from the end of the
  page downwards.  A data offset below 4 is a marker: 0 (``OVFLPAGE``) makes
  the key offset the address of the next page of the bucket's chain; 1-3
  (``PARTIAL_KEY``, ``FULL_KEY``, ``FULL_KEY_DATA``) begin a "big" pair that
  does not fit on one page and continues over a chain of overflow pages.

Only reading every pair is needed (:func:`read_pairs`), so there is no hash
function here: every bucket is walked from 0 to ``max_bucket``.  A damaged
file raises :class:`HashFileError` instead of looping or reading garbage:
every offset is checked against the page, and every chain is bounded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from smime_archiver.i18n import _

MAGIC = 0x061561
VERSIONS = (1, 2)
OVFLPAGE, PARTIAL_KEY, FULL_KEY, FULL_KEY_DATA, REAL_KEY = 0, 1, 2, 3, 4
SPLITSHIFT = 11
SPLITMASK = 0x7FF
_HEADER = struct.Struct(">17i32i32H")  # HASHHDR: 17 ints, spares[32], bitmaps[32]
MAX_PAIRS = 1_000_000  # far above any real database; bounds a looping chain


class HashFileError(ValueError):
    """The bytes are not a Berkeley DB hash file, or the file is damaged or truncated."""


@dataclass(frozen=True)
class _Header:
    lorder: int
    bsize: int
    max_bucket: int
    hdrpages: int
    spares: tuple[int, ...]
    bitmaps: tuple[int, ...]  # overflow addresses of the free-page bitmaps


def looks_like_hash_file(data: bytes) -> bool:
    return len(data) >= 8 and int.from_bytes(data[:4], "big") == MAGIC


def _read_header(data: bytes) -> _Header:
    if len(data) < _HEADER.size or not looks_like_hash_file(data):
        raise HashFileError(_("not a Berkeley DB hash file"))
    fields = _HEADER.unpack_from(data)
    version, lorder, bsize, bshift = fields[1], fields[2], fields[3], fields[4]
    max_bucket, hdrpages = fields[10], fields[15]
    if version not in VERSIONS:
        raise HashFileError(_("hash file version {n} is unknown").format(n=version))
    if lorder not in (1234, 4321):
        raise HashFileError(_("the byte order field is damaged"))
    if not 256 <= bsize <= 65536 or bsize != 1 << bshift:
        raise HashFileError(_("the page size field is damaged"))
    if not 0 <= max_bucket < 1 << 24 or not 1 <= hdrpages <= 64:
        raise HashFileError(_("the bucket count is damaged"))
    return _Header(lorder, bsize, max_bucket, hdrpages, tuple(fields[17:49]),
                   tuple(fields[49:81]))


def _log2(num: int) -> int:
    """The smallest i with 2**i >= num (the hash package's __log2)."""
    i, limit = 0, 1
    while limit < num:
        limit <<= 1
        i += 1
    return i


class _File:
    def __init__(self, data: bytes):
        self.data = data
        self.header = _read_header(data)
        self.order = "<" if self.header.lorder == 1234 else ">"
        # Every bucket has a page (only empty ones at the end may be missing): a bucket
        # count far beyond the file's pages is a damaged header, not work to do.
        if self.header.max_bucket > len(data) // self.header.bsize + 256:
            raise HashFileError(_("the bucket count is damaged"))
        # The bitmap pages are written when the file is made: a file that ends before the
        # last of them was cut short (a missing bucket page would otherwise read as empty).
        for addr in self.header.bitmaps:
            if addr and (self.overflow_page(addr) + 1) * self.header.bsize > len(data):
                raise HashFileError(_("the file is shorter than its header says (truncated)"))

    def bucket_page(self, bucket: int) -> int:
        h = self.header
        spare = h.spares[_log2(bucket + 1) - 1] if bucket else 0
        return bucket + h.hdrpages + spare

    def overflow_page(self, addr: int) -> int:
        split = addr >> SPLITSHIFT
        if split >= 32:
            raise HashFileError(_("an overflow page address is damaged"))
        return self.bucket_page((1 << split) - 1) + (addr & SPLITMASK)

    def page(self, number: int, *, may_be_missing: bool = False) -> tuple[bytes, list[int]]:
        """The page's bytes and its index words ``[n, off1, ..., offn]``.

        ``may_be_missing``: a bucket page past the end of the file is empty (the
        hash package never writes an empty bucket); any other page past the end
        means the file was cut short.
        """
        bsize = self.header.bsize
        start = number * bsize
        if number < self.header.hdrpages:
            raise HashFileError(_("a page address points into the header"))
        if start >= len(self.data):
            if may_be_missing:
                return b"", [0]
            raise HashFileError(_("a page lies past the end of the file (truncated)"))
        page = self.data[start : start + bsize]
        if len(page) != bsize:
            raise HashFileError(_("the file ends inside a page (truncated)"))
        n = struct.unpack_from(self.order + "H", page)[0]
        if n == 0:
            return page, [0]
        if (n + 3) * 2 > bsize:
            raise HashFileError(_("a page index is damaged"))
        index = list(struct.unpack_from(f"{self.order}{n + 1}H", page))
        return page, index


def read_pairs(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every (key, data) pair of the hash file, in bucket order.

    Raises :class:`HashFileError` when the bytes are not a hash file or a page,
    offset or chain is damaged.
    """
    f = _File(data)
    out: list[tuple[bytes, bytes]] = []
    for bucket in range(f.header.max_bucket + 1):
        _walk_chain(f, f.bucket_page(bucket), out)
    return out


def _walk_chain(f: _File, number: int | None, out: list[tuple[bytes, bytes]]) -> None:
    bsize = f.header.bsize
    seen: set[int] = set()
    bucket = True  # the bucket's own page may lie past the end (never written: empty)
    while number is not None:
        if number in seen or len(out) > MAX_PAIRS:
            raise HashFileError(_("a chain of pages loops"))
        seen.add(number)
        current, number = number, None
        page, bp = f.page(current, may_be_missing=bucket)
        bucket = False
        n = bp[0]
        ndx = 1
        while ndx < n:
            if bp[ndx + 1] >= REAL_KEY:
                end = bp[ndx - 1] if ndx > 1 else bsize
                key_off, data_off = bp[ndx], bp[ndx + 1]
                if not data_off <= key_off <= end <= bsize:
                    raise HashFileError(_("a key or data offset is damaged"))
                out.append((page[key_off:end], page[data_off:key_off]))
                ndx += 2
            elif bp[ndx + 1] == OVFLPAGE:
                number = f.overflow_page(bp[ndx])
                break
            else:  # a big pair always starts a page of its own
                if ndx != 1:
                    raise HashFileError(_("a big item does not start its page"))
                key, value, number = _big_pair(f, current, seen)
                out.append((key, value))
                break


def _big_pair(f: _File, number: int, seen: set[int]) -> tuple[bytes, bytes, int | None]:
    """Key and data of the big pair starting at page ``number``, and the chain's next page."""
    bsize = f.header.bsize
    key = bytearray()
    page, bp = f.page(number)
    while True:  # collect_key: each page holds a chunk at [bp[1], bsize)
        if bp[0] < 2 or bp[1] > bsize:
            raise HashFileError(_("a big item's page is damaged"))
        key += page[bp[1] :]
        if bp[2] in (FULL_KEY, FULL_KEY_DATA):
            break
        if bp[2] != PARTIAL_KEY or bp[0] < 4:
            raise HashFileError(_("a big item's key is damaged"))
        number = _next(f, bp, seen)
        page, bp = f.page(number)
    value = bytearray()
    if bp[2] == FULL_KEY_DATA and _free_space(f, page, bp):  # the data is on this page too
        data_off = bp[bp[0]]
        if not data_off <= bp[1]:
            raise HashFileError(_("a big item's data offset is damaged"))
        return bytes(key), page[data_off : bp[1]], _after_big(f, bp)
    if bp[2] == FULL_KEY_DATA:  # data begins on this page, continues on the next
        data_off = bp[bp[0]]
        if not data_off <= bp[1]:
            raise HashFileError(_("a big item's data offset is damaged"))
        value += page[data_off : bp[1]]
    number = _next(f, bp, seen)
    page, bp = f.page(number)
    while True:  # collect_data
        if bp[0] < 2 or bp[1] > bsize:
            raise HashFileError(_("a big item's page is damaged"))
        value += page[bp[1] :]
        if bp[2] == FULL_KEY_DATA:
            return bytes(key), bytes(value), _after_big(f, bp)
        if bp[2] != FULL_KEY or bp[0] < 4:
            raise HashFileError(_("a big item's data is damaged"))
        number = _next(f, bp, seen)
        page, bp = f.page(number)


def _free_space(f: _File, page: bytes, bp: list[int]) -> int:
    n = bp[0]
    return struct.unpack_from(f.order + "H", page, (n + 1) * 2)[0]


def _next(f: _File, bp: list[int], seen: set[int]) -> int:
    if bp[0] < 3:
        raise HashFileError(_("a big item ends early (truncated)"))
    number = f.overflow_page(bp[bp[0] - 1])
    if number in seen:
        raise HashFileError(_("a chain of pages loops"))
    seen.add(number)
    return number


def _after_big(f: _File, bp: list[int]) -> int | None:
    """The page after the last page of a big pair (__find_last_page), or None."""
    if bp[0] > 2:
        return f.overflow_page(bp[3])
    return None
