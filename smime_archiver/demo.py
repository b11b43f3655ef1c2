"""The built-in demo: a throw-away NemID-like key file, a small encrypted mailbox, an export.

Everything is generated fresh in the demo folder; nothing of the user's is read.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime, make_msgid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from smime_archiver.crypto.cms.builder import build_enveloped, build_signed, pkcs7_mime_entity
from smime_archiver.i18n import _

DEMO_PASSWORD = "Sikker-æøå-2012"
UTC = dt.timezone.utc


def _name(cn: str, org: str = "Ingen organisatorisk tilknytning") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _cert(subject: x509.Name, key, issuer: x509.Name, issuer_key, start: dt.datetime,
          end: dt.datetime, email: str | None, ca: bool = False) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _message(headers: list[tuple[str, str]], entity: bytes) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers).encode("utf-8")
    return head + entity


def _text_entity(text: str) -> bytes:
    return (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.replace("\n", "\r\n").encode("utf-8")
    )


def _with_attachment(text: str, filename: str, data: bytes) -> bytes:
    import base64

    boundary = "----=_demo_boundary_42"
    return (
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n".encode()
        + _text_entity(text)
        + f"\r\n--{boundary}\r\n"
        f'Content-Type: text/plain; charset=utf-8; name="{filename}"\r\n'
        f'Content-Disposition: attachment; filename="{filename}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n".encode()
        + base64.encodebytes(data).replace(b"\n", b"\r\n")
        + f"--{boundary}--\r\n".encode()
    )


def _mbox(messages: list[bytes]) -> bytes:
    out = []
    for i, msg in enumerate(messages):
        lines = msg.replace(b"\r\n", b"\n").split(b"\n")
        quoted = [b">" + line if line.lstrip(b">").startswith(b"From ") else line
                  for line in lines]
        out.append(b"From demo@example.dk Mon Mar  4 10:%02d:00 2013\n" % i)
        out.append(b"\n".join(quoted).rstrip(b"\n") + b"\n\n")
    return b"".join(out)


@dataclass(frozen=True)
class _Person:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def _people() -> tuple[x509.Certificate, _Person, _Person, _Person]:
    """The demo CA and its three people: Karen (the user), the sender, and Jens."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("TRUST2408 Demo CA", "Demo")
    ca = _cert(ca_name, ca_key, ca_name, ca_key, dt.datetime(2010, 1, 1, tzinfo=UTC),
               dt.datetime(2030, 1, 1, tzinfo=UTC), None, ca=True)
    user_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    user = _cert(_name("Karen Ærø Østergård"), user_key, ca_name, ca_key,
                 dt.datetime(2012, 3, 1, tzinfo=UTC), dt.datetime(2014, 3, 1, tzinfo=UTC),
                 "karen@example.dk")
    sender_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sender = _cert(_name("Borgerservice Demoby Kommune", "Demoby Kommune"), sender_key, ca_name,
                   ca_key, dt.datetime(2011, 6, 1, tzinfo=UTC),
                   dt.datetime(2015, 6, 1, tzinfo=UTC), "borgerservice@demoby.dk")
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = _cert(_name("Jens Åkjær"), other_key, ca_name, ca_key,
                  dt.datetime(2012, 1, 1, tzinfo=UTC), dt.datetime(2014, 1, 1, tzinfo=UTC),
                  "jens@example.dk")
    return ca, _Person(user_key, user), _Person(sender_key, sender), _Person(other_key, other)


def _write_key_file(key_file: Path, user: _Person, ca: x509.Certificate) -> None:
    """Karen's key file as NemID wrote them: 3DES, SHA-1 MAC."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(DEMO_PASSWORD.encode("utf-8"))
    )
    key_file.write_bytes(pkcs12.serialize_key_and_certificates(
        b"Karen (NemID 2012)", user.key, user.cert, [ca], encryption))


def _headers(subject: str, when: dt.datetime,
             to: tuple[str, str] = ("Karen Ærø Østergård", "karen@example.dk")
             ) -> list[tuple[str, str]]:
    from email.header import Header
    from email.utils import formataddr

    return [
        ("From", "Borgerservice Demoby Kommune <borgerservice@demoby.dk>"),
        ("To", formataddr(to, charset="utf-8")),
        ("Subject", Header(subject, "utf-8").encode()),
        ("Date", format_datetime(when)),
        ("Message-ID", make_msgid(domain="demoby.dk")),
        ("MIME-Version", "1.0"),
    ]


def _demo_messages(user: _Person, sender: _Person, other: _Person) -> list[bytes]:
    """The five demo messages: three for Karen, one plain, one for somebody else."""
    letter = (
        "Kære Karen\n\nDin ansøgning om ændring af adresse er modtaget og behandlet.\n"
        "Vi har registreret din nye adresse: Søndergade 7, 2. th., 8000 Aarhus C.\n\n"
        "From now on (sic) gælder den nye adresse for al post.\n\n"
        "Med venlig hilsen\nBorgerservice, Demoby Kommune\n"
    )
    return [
        _message(_headers("Bekræftelse af adresseændring", dt.datetime(2013, 3, 4, 9, 15,
                                                                      tzinfo=UTC)),
                 pkcs7_mime_entity(build_enveloped(_text_entity(letter), [user.cert],
                                                   "aes256_cbc"), "enveloped-data")),
        _message(_headers("Årsopgørelse 2012 – bilag vedhæftet", dt.datetime(2013, 3, 15, 14, 2,
                                                                            tzinfo=UTC)),
                 pkcs7_mime_entity(build_enveloped(_with_attachment(
                     "Hej Karen\n\nSe vedhæftede opgørelse.\n\nVenlig hilsen\nØkonomi",
                     "opgørelse-2012.txt", "Beløb: 1.234,50 kr.\nÅr: 2012\n".encode()),
                     [user.cert], "des_ede3_cbc"), "enveloped-data")),
        _message(_headers("Underskrevet og krypteret: mødeindkaldelse",
                         dt.datetime(2013, 5, 2, 8, 30, tzinfo=UTC)),
                 pkcs7_mime_entity(build_enveloped(pkcs7_mime_entity(build_signed(
                     _text_entity("Du indkaldes til møde torsdag kl. 10 på rådhuset.\n"),
                     sender.key, sender.cert, signing_time=dt.datetime(2013, 5, 2, 8, 29,
                                                                       tzinfo=UTC)),
                     "signed-data"), [user.cert], "aes128_cbc"), "enveloped-data")),
        _message(_headers("Nyhedsbrev (ikke krypteret)", dt.datetime(2013, 6, 1, 12, 0,
                                                                     tzinfo=UTC)),
                 _text_entity("Dette brev blev sendt uden kryptering.\n")),
        _message(_headers("Til Jens – krypteret til en anden modtager",
                         dt.datetime(2013, 7, 1, 12, 0, tzinfo=UTC),
                         to=("Jens Åkjær", "jens@example.dk")),
                 pkcs7_mime_entity(build_enveloped(_text_entity("Hemmeligt for Jens.\n"),
                                                   [other.cert], "aes256_cbc"),
                                   "enveloped-data")),
    ]


def make_demo_files(folder: Path) -> tuple[Path, Path]:
    """Write ``nemid-demo.p12`` and ``demo.mbox`` into ``folder``; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, user, sender, other = _people()
    key_file = folder / "nemid-demo.p12"
    _write_key_file(key_file, user, ca)
    mbox = folder / "demo.mbox"
    mbox.write_bytes(_mbox(_demo_messages(user, sender, other)))
    return key_file, mbox


def run_demo(folder: Path, say: Callable[[str], None]) -> int:
    """Generate the demo files, export them into ``folder/pdf``, print where things are."""
    from smime_archiver.crypto.keys.keyfiles import load_key_files
    from smime_archiver.job import JobSpec, run_job
    from smime_archiver.model import Status
    from smime_archiver.texts import status_label

    folder = folder.resolve()
    out = folder / "pdf"
    if out.exists():
        shutil.rmtree(out)
    say(_("Making a throw-away NemID-like key file and an encrypted mailbox in {folder} ...")
        .format(folder=folder))
    key_file, mbox = make_demo_files(folder)
    keystore, errors = load_key_files([str(key_file)], lambda _path: iter([DEMO_PASSWORD]))
    if errors or not len(keystore):
        for e in errors:
            say(e.message)
        return 1
    spec = JobSpec(inputs=(str(mbox),), out_dir=out,
                   key_files=tuple(d.to_json() for d in keystore.descriptions()))
    result = run_job(spec, keystore)
    say(_("Key file: {file} (password: {password})").format(file=key_file,
                                                            password=DEMO_PASSWORD))
    say(_("Mailbox:  {file}").format(file=mbox))
    width = max(len(status_label(r.status)) for r in result.records)
    for record in result.records:
        label = status_label(record.status)
        say(f"  {label:{width}} {record.subject}  ->  {record.pdf or record.detail}")
    say(_("PDFs:     {folder}").format(folder=out))
    say(_("Report:   {file}").format(file=result.report_path))
    expected = [Status.DECRYPTED, Status.DECRYPTED, Status.DECRYPTED, Status.PLAIN,
                Status.NO_KEY]
    got = [r.status for r in result.records]
    if got != expected:
        say(_("The demo did not turn out as expected: {got}").format(
            got=", ".join(s.value for s in got)))
        return 1
    say(_("The last message is encrypted to someone else on purpose: it shows how a missing "
          "key is reported."))
    return 0
