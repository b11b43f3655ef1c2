"""``load_key_file`` on PEM and DER keys, certificates, text files and saved web pages."""

from __future__ import annotations

import base64
import quopri
import unicodedata
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from smime_archiver.crypto.keys.keyfiles import load_key_file
from smime_archiver.errors import (
    DamagedKeyFileError,
    KeyFileError,
    UnusableKeyError,
    WrongPasswordError,
)
from tests.support.keyfiles import CountingSource, never_asked
from tests.support.tools import LEGACY, openssl

from .conftest import PASSWORD

NFD = unicodedata.normalize("NFD", PASSWORD)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _same(entry, ident) -> bool:
    return (entry.private_key.public_key().public_numbers()
            == ident.key.public_key().public_numbers())


def _ossl(*args: str) -> bytes:
    return openssl(*args, *LEGACY, env={"PW": PASSWORD})


# --- unencrypted keys ----------------------------------------------------------------------


def test_pkcs8_pem_without_certificate(rsa_id):
    result = load_key_file(rsa_id.key_pem, never_asked)
    assert len(result.entries) == 1 and _same(result.entries[0], rsa_id)
    entry = result.entries[0]
    assert entry.certificate is None and entry.description.subject is None
    assert entry.description.ski  # still matchable by subject key identifier
    assert result.certificates == []


def test_pkcs1_pem_and_der(rsa_id, tmp_path):
    pem = _write(tmp_path / "rsa.pem", _ossl("rsa", "-in", str(rsa_id.key_pem), "-traditional"))
    assert b"BEGIN RSA PRIVATE KEY" in pem.read_bytes()
    der = _write(tmp_path / "rsa.der", _ossl("rsa", "-in", str(rsa_id.key_pem), "-traditional",
                                             "-outform", "DER"))
    for path in (pem, der):
        assert _same(load_key_file(path, never_asked).entries[0], rsa_id)


def test_sec1_ec_key(ec_id, tmp_path):
    pem = _write(tmp_path / "ec.pem", _ossl("ec", "-in", str(ec_id.key_pem)))
    assert b"BEGIN EC PRIVATE KEY" in pem.read_bytes()
    entry = load_key_file(pem, never_asked).entries[0]
    assert _same(entry, ec_id) and entry.description.key_type == "EC secp256r1"


def test_pkcs8_der(rsa_id, tmp_path):
    der = _write(tmp_path / "k.key", rsa_id.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    assert _same(load_key_file(der, never_asked).entries[0], rsa_id)


def test_key_and_certificate_in_one_pem_are_paired(rsa_id, tmp_path):
    path = _write(tmp_path / "both.pem", rsa_id.chain_pem.read_bytes()
                  + rsa_id.key_pem.read_bytes())
    result = load_key_file(path, never_asked)
    assert [e.certificate for e in result.entries] == [rsa_id.cert]
    assert result.entries[0].chain == (rsa_id.issuer.cert,)
    assert len(result.certificates) == 2


def test_openssl_pkcs12_nodes_output(legacy_p12, rsa_id, tmp_path):
    """``openssl pkcs12 -nodes`` writes 'Bag Attributes' lines between the PEM blocks."""
    text = _ossl("pkcs12", "-in", str(legacy_p12), "-nodes", "-passin", "env:PW")
    assert b"Bag Attributes" in text
    result = load_key_file(_write(tmp_path / "dump.txt", text), never_asked)
    assert [e.certificate for e in result.entries] == [rsa_id.cert]


# --- encrypted keys --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", [
    ["-v2", "aes-256-cbc"],  # cryptography decrypts
    ["-v1", "PBE-SHA1-3DES"],  # cryptography decrypts (BMPString password)
    ["-v1", "PBE-SHA1-2DES"],  # cryptography refuses: our PBE code
    ["-v2", "des"],  # cryptography refuses PBES2 with single DES: our PBE code
])
@pytest.mark.parametrize("typed", [PASSWORD, NFD], ids=["nfc", "nfd"])
def test_encrypted_pkcs8(rsa_id, tmp_path, scheme, typed):
    pem = _write(tmp_path / "enc.pem", _ossl("pkcs8", "-topk8", "-in", str(rsa_id.key_pem),
                                             "-passout", "env:PW", *scheme))
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in pem.read_bytes()
    source = CountingSource("wrong", typed)
    assert _same(load_key_file(pem, source).entries[0], rsa_id)
    assert source.handed_out == 2


def test_encrypted_pkcs8_der(rsa_id, tmp_path):
    der = _write(tmp_path / "enc.der", _ossl("pkcs8", "-topk8", "-in", str(rsa_id.key_pem),
                                             "-passout", "env:PW", "-v1", "PBE-SHA1-RC2-40",
                                             "-outform", "DER"))
    assert _same(load_key_file(der, [PASSWORD]).entries[0], rsa_id)


@pytest.mark.parametrize("cipher", ["-des3", "-aes256", "-des"])  # -des: only our code
def test_legacy_encrypted_pem(rsa_id, tmp_path, cipher):
    pem = _write(tmp_path / "old.pem", _ossl("rsa", "-in", str(rsa_id.key_pem), "-traditional",
                                             cipher, "-passout", "env:PW"))
    assert b"Proc-Type: 4,ENCRYPTED" in pem.read_bytes()
    assert _same(load_key_file(pem, [NFD]).entries[0], rsa_id)
    with pytest.raises(WrongPasswordError) as err:
        load_key_file(pem, ["forkert"])
    assert "forkert" not in str(err.value) and str(pem) in str(err.value)


def test_legacy_pem_with_unknown_cipher_names_it(rsa_id, tmp_path):
    text = _ossl("rsa", "-in", str(rsa_id.key_pem), "-traditional", "-des3",
                 "-passout", "env:PW").replace(b"DES-EDE3-CBC", b"FOO-CBC")
    with pytest.raises(KeyFileError) as err:
        load_key_file(_write(tmp_path / "foo.pem", text), [PASSWORD])
    assert "FOO-CBC" in str(err.value)
    assert not isinstance(err.value, (WrongPasswordError, DamagedKeyFileError))


def test_encrypted_pem_without_password_says_so(rsa_id, tmp_path):
    pem = _write(tmp_path / "enc.pem", _ossl("pkcs8", "-topk8", "-in", str(rsa_id.key_pem),
                                             "-passout", "env:PW"))
    with pytest.raises(WrongPasswordError) as err:
        load_key_file(pem)
    assert "protected by a password" in str(err.value)


def test_damaged_encrypted_pem(rsa_id, tmp_path):
    text = _ossl("pkcs8", "-topk8", "-in", str(rsa_id.key_pem), "-passout", "env:PW")
    lines = text.splitlines()
    cut = b"\n".join(lines[:5] + lines[-1:]) + b"\n"
    with pytest.raises(DamagedKeyFileError):
        load_key_file(_write(tmp_path / "cut.pem", cut), never_asked)


# --- key types that cannot decrypt -----------------------------------------------------------


def test_dsa_key_is_unusable(dsa_id):
    with pytest.raises(UnusableKeyError) as err:
        load_key_file(dsa_id.key_pem, never_asked)
    assert "DSA" in str(err.value) and "cannot decrypt mail" in str(err.value)


def test_ed25519_beside_rsa_is_a_warning(rsa_id, tmp_path):
    ed = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    with pytest.raises(UnusableKeyError):
        load_key_file(_write(tmp_path / "ed.pem", ed), never_asked)
    result = load_key_file(_write(tmp_path / "two.pem", ed + rsa_id.key_pem.read_bytes()),
                           never_asked)
    assert len(result.entries) == 1 and _same(result.entries[0], rsa_id)
    assert len(result.warnings) == 1 and "Ed25519" in result.warnings[0]


# --- certificates only ------------------------------------------------------------------------


def test_certificate_files_have_no_entries_and_no_error(rsa_id, tmp_path):
    der = _write(tmp_path / "c.cer", rsa_id.cert.public_bytes(serialization.Encoding.DER))
    p7b = _write(tmp_path / "c.p7b", _ossl("crl2pkcs7", "-nocrl", "-certfile",
                                           str(rsa_id.chain_pem), "-outform", "DER"))
    p7c_pem = _write(tmp_path / "c.p7c", _ossl("crl2pkcs7", "-nocrl", "-certfile",
                                               str(rsa_id.chain_pem)))
    for path, count in ((rsa_id.cert_pem, 1), (der, 1), (p7b, 2), (p7c_pem, 2)):
        result = load_key_file(path, never_asked)
        assert result.entries == [] and len(result.certificates) == count
        assert rsa_id.cert in result.certificates


# --- text and web pages -------------------------------------------------------------------------


def _p12_base64(legacy_p12: Path) -> str:
    return base64.b64encode(legacy_p12.read_bytes()).decode("ascii")


def _lines(b64: str, width: int = 76) -> list[str]:
    return [b64[i : i + width] for i in range(0, len(b64), width)]


def _pages(b64: str) -> dict[str, str]:
    entity = "<br>\n".join(line.replace("+", "&#43;").replace("/", "&#x2F;")
                           for line in _lines(b64))
    percent = b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    json_escaped = b64.replace("/", "\\/")
    return {
        "pre-br-entities.html": (
            "<html><head><meta charset='utf-8'><title>Nøglefil</title></head><body>"
            "<h1>Din NemID-nøgle</h1><p>Gem denne MIME-kodede nøgle et sikkert sted.</p>"
            f"<pre>{entity}</pre><p>Venlig hilsen</p></body></html>"
        ),
        "data-url.html": (
            "<html><body><p>Klik for at hente:</p>"
            f"<a download='nøgle.p12' href='data:application/x-pkcs12;base64,{b64}'>hent</a>"
            "</body></html>"
        ),
        "data-url-percent.html": (
            f"<html><body><a href=\"data:application/x-pkcs12;base64,{percent}\">x</a>"
            "</body></html>"
        ),
        "script-json.html": (
            f"<html><script>var backup = {{\"p12\": \"{json_escaped}\"}};</script></html>"
        ),
        "plain-text.txt": "Backup af nøgle, lavet 2009-03-01:\r\n\r\n"
                          + "\r\n".join(_lines(b64, 64)) + "\r\n\r\nSlut.\r\n",
    }


@pytest.mark.parametrize("page", sorted(_pages("QUJD")))
def test_saved_web_page_with_base64_pkcs12(legacy_p12, rsa_id, tmp_path, page):
    text = _pages(_p12_base64(legacy_p12))[page]
    path = _write(tmp_path / page, text.encode("utf-8"))
    result = load_key_file(path, [PASSWORD])
    assert [e.certificate for e in result.entries] == [rsa_id.cert]


def test_mht_quoted_printable_page(legacy_p12, rsa_id, tmp_path):
    html_page = _pages(_p12_base64(legacy_p12))["pre-br-entities.html"]
    body = quopri.encodestring(html_page.encode("utf-8")).decode("ascii")
    mht = ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"b\"\r\n\r\n--b\r\n"
           "Content-Type: text/html; charset=\"utf-8\"\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body + "\r\n--b--\r\n")
    result = load_key_file(_write(tmp_path / "page.mht", mht.encode("ascii")), [PASSWORD])
    assert [e.certificate for e in result.entries] == [rsa_id.cert]


def test_page_with_two_key_files(legacy_p12, modern_p12, rsa_id, tmp_path):
    page = (f"<p>old</p><pre>{_p12_base64(legacy_p12)}</pre>"
            f"<p>new</p><pre>{_p12_base64(modern_p12)}</pre>")
    result = load_key_file(_write(tmp_path / "two.html", page.encode()), [PASSWORD])
    assert [e.certificate for e in result.entries] == [rsa_id.cert]  # the same key: kept once


def test_page_with_key_and_wrong_password(legacy_p12, tmp_path):
    page = f"<pre>{_p12_base64(legacy_p12)}</pre>"
    with pytest.raises(WrongPasswordError):
        load_key_file(_write(tmp_path / "p.html", page.encode()), ["forkert"])


def test_text_without_keys_is_not_a_key_file(tmp_path):
    prose = ("MIME-Version: 1.0\nSubject: Hej\n\nMIIIIIIII er ikke en nøgle, men MIME er "
             "nævnt.\n" * 20)
    for name, data in (("note.txt", prose.encode()),
                       ("page.html", b"<html><body><p>Ingen n\xc3\xb8gle her</p></body></html>"),
                       ("utf16.txt", "Ingen nøgle".encode("utf-16"))):
        with pytest.raises(DamagedKeyFileError) as err:
            load_key_file(_write(tmp_path / name, data), never_asked)
        assert "not a key file" in str(err.value)


def test_detection_is_by_content_not_extension(legacy_p12, rsa_id, tmp_path):
    p12_named_pem = _write(tmp_path / "key.pem", legacy_p12.read_bytes())
    pem_named_p12 = _write(tmp_path / "key.p12", rsa_id.key_pem.read_bytes())
    assert load_key_file(p12_named_pem, [PASSWORD]).entries[0].certificate == rsa_id.cert
    assert _same(load_key_file(pem_named_p12, never_asked).entries[0], rsa_id)


def test_missing_file(tmp_path):
    with pytest.raises(KeyFileError) as err:
        load_key_file(tmp_path / "gone.p12")
    assert "gone.p12" in str(err.value)
    assert not isinstance(err.value, (WrongPasswordError, DamagedKeyFileError))


def test_text_starting_with_the_digit_zero(rsa_id, tmp_path):
    """'0' is byte 0x30, the DER SEQUENCE tag: such text must still be read as text."""
    text = "0 - nøglen fra 2009:\n".encode() + rsa_id.key_pem.read_bytes()
    assert _same(load_key_file(_write(tmp_path / "0.txt", text), never_asked).entries[0], rsa_id)
