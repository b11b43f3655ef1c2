"""Mail and key files of an old European CA: T61String names with Latin-1 bytes, serial 0.

Issue 13, point 3.  BER CMS (OpenSSL ``-stream``, NSS ``cmsutil``, gpgsm) whose
recipient names such an issuer was "garbled" because its length was learnt by
re-encoding what was parsed, which asn1crypto cannot do for these strings; the
same miscount warned about "bytes after the end" on every BER message (Outlook
writes BER).  Certificates with such names were dropped as damaged because
``cryptography`` refuses to decode them.
"""

from __future__ import annotations

import base64
import logging
import warnings

import pytest
from asn1crypto import cms as acms
from asn1crypto import x509 as ax509

from smime_archiver.crypto import der
from smime_archiver.crypto.cms.envelope import decrypt_enveloped, load_content_info, recipients_of
from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.crypto.keys.keyfiles import load_key_file, load_key_files
from smime_archiver.errors import MalformedMessageError
from smime_archiver.model import Status
from tests.support import tools
from tests.support.gpgsm import GpgSM
from tests.support.oldca import LOCALITY, T61_LOCALITY, USER_SERIAL, der_of, make_old_ca

from .conftest import MIME

PASSWORD = "Glühwein-1998"


@pytest.fixture(scope="module")
def old(tmp_path_factory):
    """The CA, the user, the user's key files and the same content encrypted by four tools."""
    d = tmp_path_factory.mktemp("oldca")
    ca, user = make_old_ca(d / "pki")
    files = {
        "legacy p12": tools.p12_export(user, d / "juergen-legacy.p12", PASSWORD, legacy=True),
        "p12": tools.p12_export(user, d / "juergen.p12", PASSWORD, legacy=False),
        "pem key and certificate": d / "juergen-key-and-cert.pem",
    }
    files["pem key and certificate"].write_bytes(
        user.key_pem.read_bytes() + user.cert_pem.read_bytes() + ca.cert_pem.read_bytes())
    db = tools.NSSDB(d / "nss")
    gpgsm = GpgSM(d / "gnupg")
    try:
        gpgsm.trust(ca)
        fingerprint = gpgsm.add_certificate(user)
        gpgsm_armour = gpgsm.encrypt(MIME, fingerprint)
    finally:
        gpgsm.close()
    messages = {
        "openssl DER": tools.cms_encrypt(MIME, [user], "aes128"),
        "openssl BER (-stream)": tools.cms_encrypt(MIME, [user], "des3", extra_args=["-stream"]),
        "NSS cmsutil BER": db.encrypt(MIME, [user]),
        "gpgsm armour": gpgsm_armour,
    }
    return {"ca": ca, "user": user, "files": files, "messages": messages, "dir": d}


def _store(old):
    store, errors = load_key_files([old["files"]["legacy p12"]], [PASSWORD])
    assert errors == []
    return store


def test_the_fixture_is_of_the_class(old):
    """The names hold T61Strings with Latin-1 bytes, the user's serial is 0, BER is BER,
    and asn1crypto cannot re-encode the parsed structure to learn its length."""
    assert T61_LOCALITY in der_of(old["ca"]) and T61_LOCALITY in der_of(old["user"])
    assert ax509.Certificate.load(der_of(old["user"])).serial_number == USER_SERIAL == 0
    ber = old["messages"]["NSS cmsutil BER"]
    assert ber[:2] == b"\x30\x80" and T61_LOCALITY in ber
    assert old["messages"]["gpgsm armour"].startswith(b"-----BEGIN ENCRYPTED MESSAGE-----")
    try:
        reencoded = len(acms.ContentInfo.load(ber).dump())
    except ValueError:  # UnicodeEncodeError: the T61String cannot be written back
        reencoded = None
    assert reencoded != len(ber)


@pytest.mark.parametrize("form", ["openssl DER", "openssl BER (-stream)", "NSS cmsutil BER",
                                  "gpgsm armour"])
def test_mail_to_an_old_ca_name_decrypts_without_warnings(old, form, caplog):
    data = old["messages"][form]
    store = _store(old)
    with caplog.at_level(logging.WARNING):
        ci = load_content_info(data)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    (ref,) = recipients_of(ci)
    assert ref.serial == 0 and f"L={LOCALITY}" in ref.issuer
    plaintext, info = decrypt_enveloped(ci, store)
    assert plaintext == MIME
    assert info.recipient.serial == 0
    assert info.key_source.endswith("juergen-legacy.p12")


def test_the_issuer_matches_exactly_among_other_keys(old, pki):
    """Issuer and serial 0 pick the right key first (not merely by trying every key)."""
    other = pki.identity("oldca-other", "Anders And")
    p12 = tools.p12_export(other, old["dir"] / "other.p12", PASSWORD)
    store, errors = load_key_files([p12, old["files"]["legacy p12"]], [PASSWORD])
    assert errors == []
    ci = load_content_info(old["messages"]["NSS cmsutil BER"])
    issuer = ci["content"]["recipient_infos"][0].chosen["rid"].chosen["issuer"]
    candidates = store.candidates(issuer=issuer, serial=0, kind="rsa")
    assert [(entry.description.source, exact) for entry, exact in candidates] == [
        (str(old["files"]["legacy p12"]), True), (str(p12), False)]


@pytest.mark.parametrize("kind", ["legacy p12", "p12", "pem key and certificate"])
def test_key_files_with_such_certificates_load_whole(old, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even cryptography's warning about serial 0
        result = load_key_file(old["files"][kind], [PASSWORD])
    assert result.warnings == []
    (entry,) = result.entries
    assert entry.certificate is not None
    desc = entry.description
    assert desc.serial == 0
    assert desc.subject == ("CN=Jürgen Müller, O=Stadtwerke Düsseldorf AG, L=Düsseldorf, C=DE")
    assert desc.issuer == ("CN=Stadtwerke Düsseldorf Trust Center Klasse 2, "
                           "O=Stadtwerke Düsseldorf AG, L=Düsseldorf, C=DE")
    assert desc.email == "juergen@stadtwerke.example.de"
    assert desc.not_before is not None and desc.not_after > desc.not_before
    if kind != "p12":  # the CA's certificate came along (openssl -export without -chain)
        assert len(result.certificates) == 2


def test_a_certificate_file_alone_loads(old):
    result = load_key_file(old["ca"].cert_pem)
    assert result.entries == [] and result.warnings == []
    assert [der_of_cert(c) for c in result.certificates] == [der_of(old["ca"])]


def der_of_cert(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.DER)


def test_a_whole_smime_message_of_the_class_is_decrypted(old):
    """As Outlook or KMail store it: headers, then the base64 of the BER."""
    ber = old["messages"]["NSS cmsutil BER"]
    message = (b"From: Stadtwerke <post@stadtwerke.example.de>\r\nSubject: Rechnung\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; "
               b"smime-type=enveloped-data; name=smime.p7m\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n"
               + base64.encodebytes(ber).replace(b"\n", b"\r\n"))
    result = unwrap_message(message, _store(old))
    assert result.status is Status.DECRYPTED, result.detail
    assert "årsopgørelsen" in result.message.decode("utf-8")


def test_signed_by_such_a_certificate_verifies(old):
    """SignedData in BER whose signer is named by issuer (T61String) and serial 0."""
    signed = tools.cms_sign(MIME, old["user"], smime=False, extra_args=["-stream"])
    assert signed[:2] == b"\x30\x80"
    result = unwrap_message(signed, _store(old))
    assert result.status is Status.SIGNED, result.detail
    (signature,) = result.signatures
    assert signature.valid, signature.detail
    assert signature.serial == 0 and f"L={LOCALITY}" in signature.issuer


# --- lengths: what was read, not what a re-encoding would be ------------------------------


@pytest.mark.parametrize("form", ["openssl DER", "openssl BER (-stream)", "NSS cmsutil BER"])
def test_padding_after_a_correct_message_is_quiet_and_real_bytes_are_counted(old, form, caplog):
    data = old["messages"][form]
    with caplog.at_level(logging.WARNING):
        load_content_info(data + b"\r\n\x00\x00\n")
    assert caplog.records == []
    with caplog.at_level(logging.WARNING):
        ci = load_content_info(data + b"GARBAGE")
    assert [r.getMessage() for r in caplog.records] == [
        "ignoring 7 bytes after the end of the CMS structure"]
    assert decrypt_enveloped(ci, _store(old))[0] == MIME


def test_a_ber_message_cut_before_its_end_is_truncated(old):
    ber = old["messages"]["NSS cmsutil BER"]
    assert ber.endswith(b"\x00\x00")
    with pytest.raises(MalformedMessageError, match="truncated"):
        load_content_info(ber[:-2])


def test_every_parsed_element_is_its_own_bytes(old):
    """der.as_parsed gives back the bytes read for every node, BER lengths included."""
    ber = old["messages"]["NSS cmsutil BER"]
    ci = acms.ContentInfo.load(ber)
    assert der.as_parsed(ci) == ber
    env = ci["content"]
    nodes = [env, env["recipient_infos"], env["recipient_infos"][0],
             env["recipient_infos"][0].chosen["rid"],
             env["recipient_infos"][0].chosen["rid"].chosen["issuer"],
             env["encrypted_content_info"], env["encrypted_content_info"]["encrypted_content"]]
    for node in nodes:
        raw = der.as_parsed(node)
        assert raw in ber, type(node).__name__
        assert der.element_span(raw) == len(raw), type(node).__name__
    issuer = der.as_parsed(nodes[4])
    assert T61_LOCALITY in issuer and issuer == der_of(old["ca"])[
        der_of(old["ca"]).index(issuer):][: len(issuer)]


def _indefinite(element: bytes) -> bytes:
    """A definite-length constructed DER element re-written with an indefinite length."""
    head = der.read_header(element)
    assert head.constructed and head.length is not None
    return element[:1] + b"\x80" + element[head.header_length:] + b"\x00\x00"


def test_to_der_turns_ber_into_der_without_decoding_a_string(old):
    cert = der_of(old["user"])
    assert der.to_der(cert) == cert  # DER stays as it is
    tbs_end = der.element_end(cert, 4)
    tbs = cert[4:tbs_end]
    ber_cert = _indefinite(cert[:4] + _indefinite(tbs) + cert[tbs_end:])
    assert ber_cert != cert and T61_LOCALITY in ber_cert
    assert der.to_der(ber_cert) == cert
    chunked = b"\x24\x80" + b"\x04\x02ab" + b"\x04\x01c" + b"\x00\x00"  # constructed OCTET STRING
    assert der.to_der(chunked) == b"\x04\x03abc"
    with pytest.raises(der.DerError):
        der.to_der(ber_cert[:-2])


def test_a_ber_certificate_with_such_a_name_loads_from_a_key_file(old, tmp_path):
    cert = der_of(old["user"])
    tbs_end = der.element_end(cert, 4)
    ber_cert = _indefinite(cert[:4] + _indefinite(cert[4:tbs_end]) + cert[tbs_end:])
    pem = (b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(ber_cert)
           + b"-----END CERTIFICATE-----\n")
    path = tmp_path / "ber-cert-and-key.pem"
    path.write_bytes(old["user"].key_pem.read_bytes() + pem)
    result = load_key_file(path)
    assert result.warnings == []
    (entry,) = result.entries
    assert der_of_cert(entry.certificate) == cert
    assert entry.description.serial == 0 and "Düsseldorf" in entry.description.issuer


def test_element_span_measures_what_was_read():
    nested = b"\x30\x80" + b"\x30\x80" + b"\x02\x01\x05" + b"\x00\x00" + b"\x04\x01x" + b"\x00\x00"
    assert der.element_span(nested + b"tail") == len(nested)
    assert der.element_span(b"\x30\x03\x02\x01\x05tail") == 5
    for cut in range(1, len(nested)):
        with pytest.raises(der.DerError):
            der.element_span(nested[:cut])


def test_octets_joins_ber_chunks_as_read(old):
    ber = old["messages"]["NSS cmsutil BER"]
    encrypted = acms.ContentInfo.load(ber)["content"]["encrypted_content_info"][
        "encrypted_content"]
    assert encrypted.method == 1  # chunked
    assert der.octets(encrypted) == acms.ContentInfo.load(ber)["content"][
        "encrypted_content_info"]["encrypted_content"].native
    nested = acms.ContentInfo.load(
        b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0\x80"  # id-data, [0]
        b"\x24\x80\x04\x02ab\x24\x80\x04\x01c\x00\x00\x04\x00\x00\x00"  # chunks, one nested
        b"\x00\x00\x00\x00")
    assert der.octets(nested["content"]) == b"abc"


def test_a_damaged_chunk_is_garbled_not_joined(old):
    ber = old["messages"]["openssl BER (-stream)"]
    encrypted = acms.ContentInfo.load(ber)["content"]["encrypted_content_info"][
        "encrypted_content"]
    raw = der.as_parsed(encrypted)
    assert raw[:3] == b"\xa0\x80\x04"  # [0], indefinite, then the first chunk's tag
    damaged = ber.replace(raw, raw[:2] + b"\x05" + raw[3:])  # a NULL-typed chunk
    assert damaged != ber
    with pytest.raises(MalformedMessageError, match="garbled"):
        load_content_info(damaged)
