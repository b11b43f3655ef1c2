"""A real PKCS#11 module for tests: SoftHSM2 in a token folder of the test's own.

Tokens are made with ``softhsm2-util`` and keys imported with OpenSC's
``pkcs11-tool`` as a token would hold them: private, sensitive, not
extractable, with the certificate beside them under a ``CKA_ID``.  PINs travel
through argv here (test PINs only; the product never puts a PIN on a command line).

SoftHSM reads its configuration and tokens in ``C_Initialize``: :meth:`SoftHSM.activate`
points ``SOFTHSM2_CONF`` at this folder and finalizes the module in this process, so
the next use initializes it afresh and sees the tokens as they are now.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto.keys import pkcs11 as p11

from .pki import Identity
from .tools import run

CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so",
              "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
              "/usr/lib64/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so")
MODULE = next((p for p in CANDIDATES if os.path.exists(p)), CANDIDATES[0])
SO_PIN = "87654321"
# CKA_OS_TOKENFLAGS (CKA_VENDOR_DEFINED + 0x5348000B), ulong kind: how SoftHSM's file
# object store writes the token flags, followed by the 8-byte value
_FLAGS_TAG = bytes.fromhex("000000008000534b0000000000000002")


class SoftHSM:
    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.tokens = self.dir / "tokens"
        self.tokens.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "softhsm2.conf"
        self.conf.write_text(f"directories.tokendir = {self.tokens}\n"
                             "objectstore.backend = file\nlog.level = ERROR\n"
                             "slots.removable = false\n")
        self.module = MODULE
        self.env = {"SOFTHSM2_CONF": str(self.conf)}

    def activate(self) -> SoftHSM:
        os.environ["SOFTHSM2_CONF"] = str(self.conf)
        p11.close_module(self.module)
        return self

    def util(self, *args: str) -> str:
        return run(["softhsm2-util", *args], env=self.env).decode()

    def tool(self, *args: str) -> str:
        return run(["pkcs11-tool", "--module", self.module, *args], env=self.env).decode()

    def init_token(self, label: str, pin: str) -> str:
        """A new token; returns its serial number."""
        self.util("--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN)
        out = self.util("--show-slots")
        for block in out.split("Slot ")[1:]:
            if re.search(rf"Label:\s+{re.escape(label)}\s*$", block, re.M):
                return re.search(r"Serial number:\s+(\S+)", block).group(1)
        raise AssertionError(f"token {label} not listed:\n{out}")

    def import_key(self, label: str, pin: str, ident: Identity, *, key_id: str = "01",
                   cert_id: str | None = None, usage: tuple[str, ...] = ("decrypt",),
                   with_cert: bool = True, name: str | None = None) -> None:
        """``ident``'s private key (non-extractable) and, under ``cert_id``, its certificate."""
        key_der = self.dir / f"{ident.label}.key.der"
        key_der.write_bytes(ident.key.private_bytes(serialization.Encoding.DER,
                                                    serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
        flags = [f"--usage-{u}" for u in usage]
        self.tool("--token-label", label, "--login", "--pin", pin, "--write-object",
                  str(key_der), "--type", "privkey", "--id", key_id, "--label",
                  name or ident.label, "--sensitive", *flags)
        key_der.unlink()
        if with_cert:
            cert_der = self.dir / f"{ident.label}.cert.der"
            cert_der.write_bytes(ident.cert.public_bytes(serialization.Encoding.DER))
            self.tool("--token-label", label, "--login", "--pin", pin, "--write-object",
                      str(cert_der), "--type", "cert", "--id", cert_id or key_id, "--label",
                      name or ident.label)

    def import_public_key(self, label: str, pin: str, ident: Identity, key_id: str) -> None:
        der = self.dir / f"{ident.label}.pub.der"
        der.write_bytes(ident.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
        self.tool("--token-label", label, "--login", "--pin", pin, "--write-object", str(der),
                  "--type", "pubkey", "--id", key_id, "--label", ident.label)

    def token_dir(self, label: str) -> Path:
        for folder in self.tokens.iterdir():
            obj = folder / "token.object"
            if obj.exists() and _label_of(obj.read_bytes()) == label:
                return folder
        raise AssertionError(f"no token {label}")

    def add_token_flags(self, label: str, flags: int) -> None:
        """Set flags in the token's stored state, as SoftHSM keeps them (it never locks a
        PIN itself, but refuses C_Login with CKR_PIN_LOCKED once the flag is set)."""
        path = self.token_dir(label) / "token.object"
        data = bytearray(path.read_bytes())
        at = data.find(_FLAGS_TAG)
        assert at >= 0, "SoftHSM token file without a token flags attribute"
        value = int.from_bytes(data[at + 16 : at + 24], "big")
        data[at + 16 : at + 24] = (value | flags).to_bytes(8, "big")
        path.write_bytes(bytes(data))

    def delete_token(self, label: str) -> None:
        """What pulling the token out looks like to SoftHSM: its objects are gone."""
        self.util("--delete-token", "--token", label)


def _label_of(data: bytes) -> str:
    # CKA_OS_TOKENLABEL (0x80005349), bytestring kind, 8-byte length, 32 padded bytes
    at = data.find(bytes.fromhex("0000000080005349"))
    length = int.from_bytes(data[at + 16 : at + 24], "big")
    return data[at + 24 : at + 24 + length].decode().rstrip()


def set_key_attribute(label: str, pin: str, key_id: bytes, attribute, value) -> None:
    """Change one attribute of a private key on the token (through the active module)."""
    import pkcs11

    module = p11.open_module(MODULE)
    token = next(s.get_token() for s in module.lib.get_slots(token_present=True)
                 if s.get_token().label.strip() == label)
    with token.open(rw=True, user_pin=pin) as session:
        key = next(session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY,
                                        pkcs11.Attribute.ID: key_id}))
        key[attribute] = value
    p11.close_module(MODULE)


class Shim:
    """``p11shim.c`` built around SoftHSM: a real module that can also show an empty reader,
    a token pulled out (``CKR_DEVICE_REMOVED``) or a locked PIN (``CKR_PIN_LOCKED``)."""

    SOURCE = Path(__file__).with_name("p11shim.c")

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.module = str(self.dir / "libp11shim.so")
        if not os.path.exists(self.module):
            run(["cc", "-shared", "-fPIC", "-O1", "-o", self.module, str(self.SOURCE), "-ldl"])
        self.state = self.dir / "state"
        self.state.write_text("")

    def activate(self) -> Shim:
        os.environ["P11SHIM_TARGET"] = MODULE
        os.environ["P11SHIM_STATE"] = str(self.state)
        p11.close_module(self.module)
        return self

    def set(self, *words: str) -> None:
        self.state.write_text(" ".join(words))
