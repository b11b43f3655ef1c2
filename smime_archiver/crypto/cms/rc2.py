"""RC2 (RFC 2268) with any effective key length, CBC mode, decryption and encryption.

``cryptography`` offers RC2 only with 128-bit keys and 128 effective bits; mail
from old Outlook versions and PKCS#12 files (pbeWithSHA1And40BitRC2-CBC) use 40
and 64 effective bits, so the cipher is written out here.  Pure Python: about a
megabyte per second, plenty for certificate bags and mail bodies.
"""

from __future__ import annotations

from asn1crypto import algos

from smime_archiver.errors import UnsupportedAlgorithmError
from smime_archiver.i18n import _

BLOCK_SIZE = 8

# PITABLE of RFC 2268 section 2: a permutation of 0..255 derived from the digits of pi.
_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)

# RFC 2268 section 6: the "version" field of RC2-CBCParameter encodes the
# effective key length.  Values of 256 and above are the bit count itself.
_VERSION_TO_BITS = {160: 40, 120: 64, 58: 128}
_BITS_TO_VERSION = {bits: version for version, bits in _VERSION_TO_BITS.items()}

_MASK = 0xFFFF


def effective_bits_from_version(version: int | None) -> int:
    """Effective key bits for an RC2-CBCParameter version.

    ``None`` stands for the old parameter form that carries only the IV, which
    RFC 2268 defines as 32 effective bits.
    """
    if version is None:
        return 32
    if 256 <= version <= 1024:  # RFC 2268: versions from 256 on are the bits themselves
        return version
    try:
        return _VERSION_TO_BITS[version]
    except KeyError:
        raise UnsupportedAlgorithmError(
            _("RC2 with parameter version {version} is not supported.").format(version=version),
            oid=algos.EncryptionAlgorithmId.unmap("rc2"),
            name=f"rc2/version={version}",
        ) from None


def version_from_effective_bits(bits: int) -> int:
    if bits >= 256:
        return bits
    return _BITS_TO_VERSION[bits]


def expand_key(key: bytes, effective_bits: int) -> list[int]:
    """RFC 2268 section 2: the 64 16-bit subkeys K[0..63]."""
    if not 1 <= len(key) <= 128:
        raise ValueError(f"RC2 key must be 1 to 128 bytes, not {len(key)}")
    if not 1 <= effective_bits <= 1024:
        raise ValueError(f"RC2 effective key length must be 1 to 1024 bits, not {effective_bits}")
    length = len(key)
    t8 = (effective_bits + 7) // 8
    tm = 255 % (1 << (8 + effective_bits - 8 * t8))
    expanded = bytearray(128)
    expanded[:length] = key
    for i in range(length, 128):
        expanded[i] = _PITABLE[(expanded[i - 1] + expanded[i - length]) & 0xFF]
    expanded[128 - t8] = _PITABLE[expanded[128 - t8] & tm]
    for i in range(127 - t8, -1, -1):
        expanded[i] = _PITABLE[expanded[i + 1] ^ expanded[i + t8]]
    return [expanded[2 * i] | (expanded[2 * i + 1] << 8) for i in range(64)]


def _decrypt_block(k: list[int], r0: int, r1: int, r2: int, r3: int) -> tuple[int, int, int, int]:
    j = 63
    for rnd in range(15, -1, -1):
        if rnd in (4, 10):  # r-mashing
            r3 = (r3 - k[r2 & 63]) & _MASK
            r2 = (r2 - k[r1 & 63]) & _MASK
            r1 = (r1 - k[r0 & 63]) & _MASK
            r0 = (r0 - k[r3 & 63]) & _MASK
        # r-mixing: rotate right, then subtract
        r3 = ((r3 >> 5) | (r3 << 11)) & _MASK
        r3 = (r3 - k[j] - (r2 & r1) - (~r2 & r0)) & _MASK
        r2 = ((r2 >> 3) | (r2 << 13)) & _MASK
        r2 = (r2 - k[j - 1] - (r1 & r0) - (~r1 & r3)) & _MASK
        r1 = ((r1 >> 2) | (r1 << 14)) & _MASK
        r1 = (r1 - k[j - 2] - (r0 & r3) - (~r0 & r2)) & _MASK
        r0 = ((r0 >> 1) | (r0 << 15)) & _MASK
        r0 = (r0 - k[j - 3] - (r3 & r2) - (~r3 & r1)) & _MASK
        j -= 4
    return r0, r1, r2, r3


def _encrypt_block(k: list[int], r0: int, r1: int, r2: int, r3: int) -> tuple[int, int, int, int]:
    j = 0
    for rnd in range(16):
        r0 = (r0 + k[j] + (r3 & r2) + (~r3 & r1)) & _MASK
        r0 = ((r0 << 1) | (r0 >> 15)) & _MASK
        r1 = (r1 + k[j + 1] + (r0 & r3) + (~r0 & r2)) & _MASK
        r1 = ((r1 << 2) | (r1 >> 14)) & _MASK
        r2 = (r2 + k[j + 2] + (r1 & r0) + (~r1 & r3)) & _MASK
        r2 = ((r2 << 3) | (r2 >> 13)) & _MASK
        r3 = (r3 + k[j + 3] + (r2 & r1) + (~r2 & r0)) & _MASK
        r3 = ((r3 << 5) | (r3 >> 11)) & _MASK
        j += 4
        if rnd in (4, 10):  # mashing
            r0 = (r0 + k[r3 & 63]) & _MASK
            r1 = (r1 + k[r0 & 63]) & _MASK
            r2 = (r2 + k[r1 & 63]) & _MASK
            r3 = (r3 + k[r2 & 63]) & _MASK
    return r0, r1, r2, r3


def _words(block: bytes, pos: int) -> tuple[int, int, int, int]:
    return (
        block[pos] | block[pos + 1] << 8,
        block[pos + 2] | block[pos + 3] << 8,
        block[pos + 4] | block[pos + 5] << 8,
        block[pos + 6] | block[pos + 7] << 8,
    )


def _pack(out: bytearray, words: tuple[int, int, int, int]) -> None:
    for w in words:
        out.append(w & 0xFF)
        out.append(w >> 8)


def rc2_cbc_decrypt(key: bytes, iv: bytes, data: bytes, effective_bits: int) -> bytes:
    """Decrypt ``data`` (a multiple of 8 bytes) in CBC mode; padding is left in place."""
    if len(iv) != BLOCK_SIZE:
        raise ValueError("RC2 IV must be 8 bytes")
    if len(data) % BLOCK_SIZE:
        raise ValueError("RC2-CBC ciphertext is not a multiple of the block size")
    k = expand_key(key, effective_bits)
    out = bytearray()
    prev = _words(iv, 0)
    for pos in range(0, len(data), BLOCK_SIZE):
        cur = _words(data, pos)
        plain = _decrypt_block(k, *cur)
        _pack(out, (plain[0] ^ prev[0], plain[1] ^ prev[1], plain[2] ^ prev[2], plain[3] ^ prev[3]))
        prev = cur
    return bytes(out)


def rc2_cbc_encrypt(key: bytes, iv: bytes, data: bytes, effective_bits: int) -> bytes:
    """Encrypt already padded ``data`` in CBC mode (used by the demo and by tests)."""
    if len(iv) != BLOCK_SIZE or len(data) % BLOCK_SIZE:
        raise ValueError("RC2-CBC needs an 8-byte IV and block-aligned data")
    k = expand_key(key, effective_bits)
    out = bytearray()
    prev = _words(iv, 0)
    for pos in range(0, len(data), BLOCK_SIZE):
        cur = _words(data, pos)
        prev = _encrypt_block(
            k, cur[0] ^ prev[0], cur[1] ^ prev[1], cur[2] ^ prev[2], cur[3] ^ prev[3]
        )
        _pack(out, prev)
    return bytes(out)
