"""SignedData verification: algorithms, signer lookup, tampering, dates, real tools' output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cryptography_vectors
import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from smime_archiver.crypto.cms.signed import encapsulated_content, verify_signed_data
from smime_archiver.errors import MalformedMessageError
from smime_archiver.mime import rawmime
from tests.support import tools
from tests.support.layers import TEXT, sign_synthetic

UTC = dt.timezone.utc
VECTORS = Path(cryptography_vectors.__file__).parent


def load(der: bytes) -> cms.ContentInfo:
    return cms.ContentInfo.load(der)


def detached_parts(smime: bytes) -> tuple[bytes, cms.ContentInfo]:
    """The signed bytes and the signature of a multipart/signed message made by a tool."""
    top = rawmime.parse_entity(smime)
    mp = rawmime.split_multipart(top.body, top.param("boundary"))
    (s1, e1), (s2, e2) = mp.parts[:2]
    sig = rawmime.parse_entity(top.body[s2:e2])
    return top.body[s1:e1], load(rawmime.decode_body(sig))


def test_openssl_opaque_signature_is_valid_and_describes_the_signer(people):
    content, (info,) = verify_signed_data(load(tools.cms_sign(TEXT, people.alice, smime=False)))
    assert content == TEXT
    assert info.valid and info.detail == "valid"
    assert "CN=Søren Ærø Åberg" in info.signer and info.signer.startswith("serialNumber=PID:")
    assert info.signer_email == "layers-alice@example.dk"
    assert info.issuer == "CN=TRUST2408 Systemtest XXII CA, O=TRUST2408, C=DK"
    assert info.serial == people.alice.serial
    assert info.digest_algorithm == "sha256" and info.signature_algorithm == "rsassa_pkcs1v15"
    assert abs(info.signing_time - dt.datetime.now(UTC)) < dt.timedelta(minutes=5)
    assert info.cert_not_after == people.alice.cert.not_valid_after_utc
    assert info.cert_valid_at_signing is True and info.detached is False


def test_openssl_detached_signature_verifies_over_the_first_part(people):
    signed, ci = detached_parts(tools.cms_sign(TEXT, people.alice, detached=True))
    content, (info,) = verify_signed_data(ci, signed)
    assert content is None and info.valid and info.detached
    _c, (bad,) = verify_signed_data(ci, signed.replace(b"Bo,", b"Bo!"))
    assert not bad.valid and bad.detail == "the content was changed after signing"


def test_old_smime_signature_with_lf_stored_content_verifies(people):
    smime = tools.smime_sign(TEXT, people.alice)  # application/x-pkcs7-signature
    assert b"application/x-pkcs7-signature" in smime
    signed, ci = detached_parts(smime.replace(b"\r\n", b"\n"))
    assert b"\r" not in signed
    _c, (info,) = verify_signed_data(ci, signed)
    assert info.valid


@pytest.mark.parametrize("md", ["md5", "sha1", "sha224", "sha384", "sha512"])
def test_digests_old_and_new(people, md):
    der = tools.cms_sign(TEXT, people.alice, smime=False, md=md)
    _c, (info,) = verify_signed_data(load(der))
    assert info.valid and info.digest_algorithm == md


def test_without_signed_attributes_the_signature_covers_the_content(people):
    der = tools.cms_sign(TEXT, people.alice, smime=False, extra_args=["-noattr"])
    ci = load(der)
    assert len(ci["content"]["signer_infos"][0]["signed_attrs"]) == 0
    _c, (info,) = verify_signed_data(ci)
    assert info.valid and info.signing_time is None
    tampered = der.replace(b"rapporten", b"rapportem")
    _c, (bad,) = verify_signed_data(load(tampered))
    assert not bad.valid and "changed after signing" in bad.detail


def test_rsa_pss_signature_from_openssl(people):
    der = tools.cms_sign(TEXT, people.alice, smime=False,
                         extra_args=["-keyopt", "rsa_padding_mode:pss"])
    _c, (info,) = verify_signed_data(load(der))
    assert info.valid
    assert info.signature_algorithm.startswith("rsassa_pss(sha256, mgf1-sha256")


def test_ecdsa_and_dsa_signers_from_openssl(people):
    for ident, family in ((people.ecdsa, "ecdsa"), (people.dsa, "dsa")):
        der = tools.cms_sign(TEXT, ident, smime=False)
        _c, (info,) = verify_signed_data(load(der))
        assert info.valid, (family, info.detail)
        assert family in info.signature_algorithm


def test_signer_found_by_subject_key_identifier(people):
    der = tools.cms_sign(TEXT, people.alice, smime=False, extra_args=["-keyid"])
    ci = load(der)
    assert ci["content"]["signer_infos"][0]["sid"].name == "subject_key_identifier"
    _c, (info,) = verify_signed_data(ci)
    assert info.valid and info.serial == people.alice.serial


def test_missing_signer_certificate_then_found_among_extra_certificates(people):
    ci = load(tools.cms_sign(TEXT, people.alice, smime=False, extra_args=["-nocerts"]))
    content, (info,) = verify_signed_data(ci)
    assert content == TEXT  # the content is returned all the same
    assert not info.valid and "certificate is not included" in info.detail
    assert info.signer is None and info.serial == people.alice.serial
    assert info.issuer.startswith("CN=TRUST2408")
    _c, (found,) = verify_signed_data(ci, extra_certificates=[people.alice.cert])
    assert found.valid and found.signer_email == "layers-alice@example.dk"
    der_cert = people.alice.cert.public_bytes(serialization.Encoding.DER)
    assert verify_signed_data(ci, extra_certificates=[der_cert])[1][0].valid


def test_signature_made_with_another_key_is_not_valid(people):
    # alice's certificate, carol's key: the digest matches but the signature does not
    der = sign_synthetic(TEXT, people.carol)
    ci = load(der)
    alice = cms.ContentInfo.load(sign_synthetic(TEXT, people.alice))
    ci["content"]["certificates"] = alice["content"]["certificates"]
    ci["content"]["signer_infos"][0]["sid"] = alice["content"]["signer_infos"][0]["sid"]
    _c, (info,) = verify_signed_data(load(ci.dump(force=True)))
    assert not info.valid and "another key" in info.detail


def test_expired_certificate_is_reported_never_rejected(people):
    in_time = sign_synthetic(TEXT, people.expired,
                             signing_time=dt.datetime(2014, 3, 1, 12, 0, tzinfo=UTC))
    _c, (info,) = verify_signed_data(load(in_time))
    assert info.valid and info.cert_valid_at_signing is True
    assert info.signing_time == dt.datetime(2014, 3, 1, 12, 0, tzinfo=UTC)
    assert info.cert_not_after == dt.datetime(2016, 5, 1, tzinfo=UTC)
    late = sign_synthetic(TEXT, people.expired, utc_time=False,
                          signing_time=dt.datetime(2019, 1, 1, tzinfo=UTC))
    _c, (info2,) = verify_signed_data(load(late))
    assert info2.valid and info2.cert_valid_at_signing is False
    no_time = sign_synthetic(TEXT, people.expired)  # compared with now: expired
    _c, (info3,) = verify_signed_data(load(no_time))
    assert info3.valid and info3.signing_time is None and info3.cert_valid_at_signing is False


def test_old_clients_signature_oids_in_digest_algorithm(people):
    # Some early clients wrote md5WithRSAEncryption / sha1WithRSA as digestAlgorithm.
    der = sign_synthetic(TEXT, people.alice, digest="md5",
                         digest_oid="1.2.840.113549.1.1.4", signature_oid="md5_rsa")
    _c, (info,) = verify_signed_data(load(der))
    assert info.valid and info.digest_algorithm == "md5" and info.signature_algorithm == "md5_rsa"
    der = sign_synthetic(TEXT, people.alice, digest="sha1", signature_oid="sha1_rsa")
    assert verify_signed_data(load(der))[1][0].valid


def test_synthetic_pss_ecdsa_dsa_and_ski(people):
    cases = [
        sign_synthetic(TEXT, people.alice, pss=True, digest="sha384"),
        sign_synthetic(TEXT, people.ecdsa, digest="sha512", use_ski=True),
        sign_synthetic(TEXT, people.dsa, digest="sha256", signed_attrs=False),
    ]
    for der in cases:
        _c, (info,) = verify_signed_data(load(der))
        assert info.valid, info


def test_unsupported_digest_is_named_with_its_oid(people):
    ci = load(sign_synthetic(TEXT, people.alice))
    ci["content"]["signer_infos"][0]["digest_algorithm"] = {"algorithm": "1.2.840.113549.2.2"}
    content, (info,) = verify_signed_data(load(ci.dump(force=True)))
    assert content == TEXT and not info.valid
    assert "1.2.840.113549.2.2" in info.detail and "does not support" in info.detail


def test_content_type_attribute_must_match(people):
    ci = load(sign_synthetic(TEXT, people.alice))
    ci["content"]["encap_content_info"]["content_type"] = "1.2.840.113549.1.9.16.1.4"
    _c, (info,) = verify_signed_data(load(ci.dump(force=True)))
    assert not info.valid and "content type" in info.detail


def test_nss_ber_signed_data_with_signing_time(people, tmp_path_factory):
    db = tools.NSSDB(tmp_path_factory.mktemp("nss-signed"))
    ber = db.sign(TEXT, people.alice)
    assert ber[1] == 0x80  # indefinite length, as Thunderbird writes
    content, (info,) = verify_signed_data(load(ber))
    assert content == TEXT and info.valid and info.signing_time is not None
    detached = db.sign(TEXT, people.alice, detached=True)
    content, (info2,) = verify_signed_data(load(detached), TEXT)
    assert content is None and info2.valid


def test_cryptography_pkcs7_builder_output_verifies(people):
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(TEXT)
        .add_signer(people.alice.cert, people.alice.key, hashes.SHA512())
    )
    der = builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    content, (info,) = verify_signed_data(load(der))
    assert content == TEXT and info.valid and info.digest_algorithm == "sha512"


def test_certs_only_bundle_has_no_signers():
    der = (VECTORS / "pkcs7" / "amazon-roots.p7b").read_bytes()
    ci = load(der)
    assert encapsulated_content(ci) == b""  # an empty BER eContent, no signers
    assert verify_signed_data(ci) == (b"", ())


def test_pkcs7_v1_5_content_of_any_type_authenticode_vector():
    ci = load((VECTORS / "pkcs7" / "authenticode.der").read_bytes())
    content, (info,) = verify_signed_data(ci)
    assert content is not None and len(content) == 76
    assert info.valid, info.detail


def test_not_signed_data_is_malformed(people):
    der = tools.cms_encrypt(b"x", [people.bob])
    with pytest.raises(MalformedMessageError, match="not signed data"):
        verify_signed_data(load(der))


def _tlvs(contents: bytes) -> list[bytes]:
    """The DER elements one after another in ``contents`` (short and long lengths)."""
    out, i = [], 0
    while i < len(contents):
        length, head = contents[i + 1], 2
        if length & 0x80:
            n = length & 0x7F
            length, head = int.from_bytes(contents[i + 2:i + 2 + n], "big"), 2 + n
        out.append(contents[i:i + head + length])
        i += head + length
    return out


def test_signed_attributes_sent_out_of_der_order_still_verify(people):
    # some signers hash the attributes in DER order but send them in another: the check
    # tries the bytes as sent, then (only then) the DER re-encoding
    der = tools.cms_sign(TEXT, people.alice, smime=False)
    attrs = load(der)["content"]["signer_infos"][0]["signed_attrs"].dump()
    assert attrs[0] == 0xA0
    head = 2 if attrs[1] < 0x80 else 2 + (attrs[1] & 0x7F)
    elements = _tlvs(attrs[head:])
    assert len(elements) >= 3
    shuffled = attrs[:head] + b"".join(reversed(elements))
    assert shuffled != attrs and len(shuffled) == len(attrs)
    _c, (info,) = verify_signed_data(load(der.replace(attrs, shuffled)))
    assert info.valid, info.detail
    # and a real change in the attributes is still caught
    changed = bytearray(shuffled)
    changed[-1] ^= 0x01
    _c, (bad,) = verify_signed_data(load(der.replace(attrs, bytes(changed))))
    assert not bad.valid
