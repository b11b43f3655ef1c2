"""Wrappers around the real tools that make fixtures: the OpenSSL CLI and NSS ``cmsutil``.

Every function returns bytes made by the external program; nothing is faked.
Passwords travel through the environment (``-pass env:``), never argv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .pki import Identity

LEGACY = ["-provider", "legacy", "-provider", "default"]


class ToolError(RuntimeError):
    pass


def run(cmd: Sequence[str], *, input: bytes | None = None, env: dict | None = None,
        cwd: Path | None = None) -> bytes:
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(list(cmd), input=input, capture_output=True, env=full_env, cwd=cwd,
                          timeout=120)
    if proc.returncode != 0:
        raise ToolError(
            f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}"
        )
    return proc.stdout


def openssl(*args: str, input: bytes | None = None, env: dict | None = None) -> bytes:
    return run(["openssl", *args], input=input, env=env)


def have_cmsutil() -> bool:
    return shutil.which("cmsutil") is not None and shutil.which("pk12util") is not None


# --- PKCS#12 ------------------------------------------------------------------------------


def p12_export(ident: Identity, out: Path, password: str | None, *, legacy: bool = True,
               chain: bool = True, name: str | None = None,
               extra_args: Sequence[str] = ()) -> Path:
    """``openssl pkcs12 -export``; ``legacy`` gives RC2-40 certs, 3DES key, SHA-1 MAC.

    ``password=None`` exports with ``-nodes``-like no encryption and no MAC is
    not what openssl does; it exports with the empty password instead.  Use
    ``extra_args`` (e.g. ``["-nomac"]``) for special cases.
    """
    args = ["pkcs12", "-export", "-inkey", str(ident.key_pem), "-in", str(ident.cert_pem),
            "-out", str(out), "-passout", "env:P12PASS"]
    if chain and ident.issuer is not None:
        args += ["-certfile", str(ident.issuer.cert_pem)]
    if name:
        args += ["-name", name]
    if legacy:
        args += ["-legacy", *LEGACY]
    args += list(extra_args)
    openssl(*args, env={"P12PASS": password or ""})
    return out


# --- CMS / S/MIME -------------------------------------------------------------------------


def cms_encrypt(content: bytes, recipients: Sequence[Identity], cipher: str = "aes256", *,
                keyid: bool = False, keyopts: Sequence[str] = (), smime: bool = False,
                extra_args: Sequence[str] = ()) -> bytes:
    """``openssl cms -encrypt``: DER ContentInfo, or an S/MIME message if ``smime``.

    ``cipher``: an openssl cipher name without the dash (des3, aes128, aes-256-gcm,
    rc2-40, rc2-64, rc2-128, des ...).  ``keyopts`` apply to every recipient
    (e.g. ``["rsa_padding_mode:oaep", "rsa_oaep_md:sha256"]``).
    """
    args = ["cms", "-encrypt", *LEGACY, "-binary", f"-{cipher}"]
    args += ["-outform", "SMIME" if smime else "DER"]
    if keyid:
        args.append("-keyid")
    args += list(extra_args)
    for r in recipients:
        args += ["-recip", str(r.cert_pem)]
        for opt in keyopts:
            args += ["-keyopt", opt]
    return openssl(*args, input=content)


def cms_sign(content: bytes, signer: Identity, *, detached: bool = False, smime: bool = True,
             md: str = "sha256", extra_args: Sequence[str] = ()) -> bytes:
    """``openssl cms -sign``: opaque (``-nodetach``) or detached (multipart/signed)."""
    args = ["cms", "-sign", "-signer", str(signer.cert_pem), "-inkey", str(signer.key_pem),
            "-md", md, "-outform", "SMIME" if smime else "DER"]
    if not detached:
        args.append("-nodetach")
    args += list(extra_args)
    return openssl(*args, input=content)


def smime_sign(content: bytes, signer: Identity, *, detached: bool = True,
               extra_args: Sequence[str] = ()) -> bytes:
    """The older ``openssl smime -sign`` (PKCS#7, ``application/x-pkcs7-signature``)."""
    args = ["smime", "-sign", "-signer", str(signer.cert_pem), "-inkey", str(signer.key_pem)]
    if not detached:
        args.append("-nodetach")
    args += list(extra_args)
    return openssl(*args, input=content)


def smime_encrypt(content: bytes, recipients: Sequence[Identity], cipher: str = "des3",
                  extra_args: Sequence[str] = ()) -> bytes:
    """``openssl smime -encrypt`` (PKCS#7, as old clients wrote it), S/MIME output."""
    args = ["smime", "-encrypt", *LEGACY, "-binary", f"-{cipher}", *extra_args]
    args += [str(r.cert_pem) for r in recipients]
    return openssl(*args, input=content)


# --- NSS ------------------------------------------------------------------------------------


class NSSDB:
    """An NSS certificate database holding identities, for ``cmsutil`` (Thunderbird's BER)."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        if not (self.dir / "cert9.db").exists():
            run(["certutil", "-N", "-d", f"sql:{self.dir}", "--empty-password"])
        self.nicknames: dict[str, str] = {}

    def add(self, ident: Identity, with_key: bool = True) -> str:
        nick = ident.label
        if nick in self.nicknames:
            return nick
        if with_key:
            p12 = self.dir / f"{nick}.p12"
            p12_export(ident, p12, "nss", legacy=False, name=nick)
            run(["pk12util", "-i", str(p12), "-d", f"sql:{self.dir}", "-W", "nss", "-K", ""])
            p12.unlink()
        else:
            run(["certutil", "-A", "-d", f"sql:{self.dir}", "-n", nick, "-t", ",,",
                 "-i", str(ident.cert_pem), "-a"])
        self.nicknames[nick] = nick
        return nick

    def encrypt(self, content: bytes, recipients: Sequence[Identity]) -> bytes:
        """``cmsutil -E``: EnvelopedData in NSS's BER (indefinite lengths, chunked)."""
        args = ["cmsutil", "-E", "-d", f"sql:{self.dir}"]
        for r in recipients:
            args += ["-r", self.add(r)]
        return run(args, input=content)

    def sign(self, content: bytes, signer: Identity, *, detached: bool = False) -> bytes:
        """``cmsutil -S``: SignedData in NSS's BER."""
        self.add(signer)
        args = ["cmsutil", "-S", "-d", f"sql:{self.dir}", "-N", signer.label, "-G", "-P",
                "-Y", "NONE", "-p", ""]
        if detached:
            args.append("-T")
        return run(args, input=content)
