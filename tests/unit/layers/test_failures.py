"""Bad input never raises: damaged, truncated, hostile and unsupported messages."""

from __future__ import annotations

import base64

import pytest

from smime_archiver.crypto.cms import envelope, layers
from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.model import Status
from tests.support import tools
from tests.support.layers import (
    HEADERS,
    TEXT,
    b64,
    body_text,
    compressed_data,
    message,
    multipart,
    pkcs7_entity,
)

CRLFEOL = ["-crlfeol"]


def opaque(content: bytes, who) -> bytes:
    return tools.cms_sign(content, who, detached=False, extra_args=CRLFEOL)


def assert_corrupt(result, original: bytes, *words: str) -> None:
    assert result.status is Status.CORRUPT, result.detail
    assert result.message == original
    for word in words:
        assert word in result.detail, result.detail
    assert "Traceback" not in result.detail


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", ["empty"]),
        (b"just some words, no headers at all\r\n", ["no mail headers"]),
        (bytes(range(256)) * 4, ["no mail headers"]),
    ],
)
def test_not_mime_at_all(bob_keys, data, words):
    assert_corrupt(unwrap_message(data, bob_keys), data, *words)


def test_truncated_base64(people, bob_keys):
    der = tools.cms_encrypt(TEXT, [people.bob])
    body = base64.b64encode(der)[:-3]
    entity = (b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\n" + body)
    original = message(entity)
    assert_corrupt(unwrap_message(original, bob_keys), original, "base64")


def test_truncated_cms(people, bob_keys):
    der = tools.cms_encrypt(TEXT, [people.bob])
    original = message(pkcs7_entity(der[: len(der) // 2]))
    result = unwrap_message(original, bob_keys)
    assert_corrupt(result, original)


def test_pkcs7_mime_body_that_is_not_cms(bob_keys):
    original = message(pkcs7_entity(b"Hello, I am not CMS at all." * 3))
    result = unwrap_message(original, bob_keys)
    assert_corrupt(result, original)
    assert result.detail


def test_multipart_signed_without_closing_boundary(people, bob_keys):
    signed = tools.cms_sign(TEXT, people.alice, detached=True, extra_args=CRLFEOL)
    cut = signed[: signed.rindex(b"--\r\n") - 60]
    result = unwrap_message(HEADERS + cut, bob_keys)
    assert result.status is Status.CORRUPT
    (problem,) = result.problems
    assert problem.part == "" and "closing MIME boundary" in problem.detail
    assert "(the message). The signed message (multipart/signed) is truncated" in result.detail
    # the content is kept (and rendered), the cut signature reported
    assert "Søren æøå" in body_text(result.message)
    assert not result.signatures[0].valid


def test_missing_closing_boundary_alone_is_a_note_not_damage(bob_keys):
    full = message(multipart("mixed", [TEXT, TEXT]))
    # the message ends where the close delimiter would be: the text of part 2 is all there
    cut = full[: full.rindex(b"--=_BOUNDARY_42--")]
    result = unwrap_message(cut, bob_keys)
    assert result.status is Status.PLAIN and result.message == cut
    assert result.problems == ()
    (note,) = result.notes
    assert "closing MIME boundary of the multipart/mixed part (the message) is missing" in note
    assert "its last part (part 2) may be incomplete" in note
    assert note in result.detail
    # it ends right after a boundary line (an empty last part): the parts before are whole
    after_line = full[: full.rindex(b"--=_BOUNDARY_42--")] + b"--=_BOUNDARY_42\r\n"
    result = unwrap_message(after_line, bob_keys)
    assert result.status is Status.PLAIN and result.problems == ()
    assert "ends right after a boundary line" in result.notes[0]
    # nested: the inner alternative ends without its delimiter, the outer one is closed
    nested = message(multipart("mixed", [TEXT, multipart("alternative", [TEXT], "inner")[:-12]]))
    result = unwrap_message(nested, bob_keys)
    assert result.status is Status.PLAIN and result.problems == ()
    assert [n.split(" is missing")[0] for n in result.notes] == [
        "The closing MIME boundary of the multipart/alternative part (part 2)"]
    # both end together: one note, by the innermost
    both = message(multipart("mixed", [TEXT, multipart("alternative", [TEXT], "inner")]))
    both = both[: both.index(b"--inner--")]
    result = unwrap_message(both, bob_keys)
    assert result.status is Status.PLAIN and len(result.notes) == 1
    assert "multipart/alternative part (part 2)" in result.notes[0]


def test_multipart_cut_inside_its_last_part_is_damaged(bob_keys):
    attachment = (b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                  b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n'
                  + b64(b"%PDF-1.4 " * 200))
    full = message(multipart("mixed", [TEXT, attachment]))
    for cut in (full[: full.index(b"Content-Disposition")],  # inside the part's headers
                # inside its base64, in a group of four (a cut between groups looks like an
                # end: then the note below says the part may be incomplete)
                full[: full.rindex(b"--=_BOUNDARY_42--") - 41]):
        result = unwrap_message(cut, bob_keys)
        assert result.status is Status.CORRUPT and result.message == cut
        assert result.problems[0].part == ""
        assert ("multipart/mixed part is truncated: its closing MIME boundary is missing and "
                "its last part (part 2) is cut off") in result.detail
        assert result.notes == ()
    no_boundary = HEADERS + b"Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n"
    result = unwrap_message(no_boundary, bob_keys)
    assert result.status is Status.CORRUPT and "no boundary parameter" in result.detail
    never = HEADERS + b'Content-Type: multipart/mixed; boundary="x"\r\n\r\nno lines at all\r\n'
    result = unwrap_message(never, bob_keys)
    assert result.status is Status.CORRUPT and "closing MIME boundary is missing" in result.detail


def test_multipart_signed_whose_last_line_is_missing_is_signed(people, bob_keys):
    signed = tools.cms_sign(TEXT, people.alice, detached=True, extra_args=CRLFEOL)
    cut = signed[: signed.rindex(b"--\r\n")]  # the signature whole, no "--" after the line
    cut = cut[: cut.rindex(b"\r\n------")]  # no close delimiter line at all
    result = unwrap_message(HEADERS + cut, bob_keys)
    assert result.status is Status.SIGNED, result.detail
    assert result.signatures[0].valid
    assert result.problems == ()
    assert "closing MIME boundary of the signed message (multipart/signed) is missing" in \
        result.notes[0]


def test_multipart_signed_without_boundary_parameter(bob_keys):
    original = HEADERS + (
        b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"\r\n\r\n'
        b"--x\r\n\r\nhi\r\n--x--\r\n"
    )
    assert_corrupt(unwrap_message(original, bob_keys), original, "no boundary parameter")


def test_multipart_signed_with_one_part(bob_keys):
    original = HEADERS + multipart("signed", [TEXT],
                                   extra='; protocol="application/pkcs7-signature"')
    assert_corrupt(unwrap_message(original, bob_keys), original, "two parts")


def test_damaged_signature_part_keeps_the_content(people, bob_keys):
    sig = (b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nTm90IGEgc2lnbmF0dXJl\r\n")
    original = HEADERS + multipart("signed", [TEXT, sig],
                                   extra='; protocol="application/pkcs7-signature"')
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.SIGNED
    assert not result.signatures[0].valid
    assert "damaged" in result.signatures[0].detail
    assert "Søren æøå".encode() in result.message


def test_signature_part_holding_another_cms_type(people, bob_keys):
    enveloped = tools.cms_encrypt(b"x", [people.bob])
    sig = pkcs7_entity(enveloped, ctype="application/pkcs7-signature", smime_type=None,
                       name="smime.p7s")
    original = HEADERS + multipart("signed", [TEXT, sig],
                                   extra='; protocol="application/pkcs7-signature"')
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.SIGNED
    assert [s.valid for s in result.signatures] == [False]
    assert "Søren æøå" in body_text(result.message)


def test_pgp_multipart_signed_is_not_ours(bob_keys):
    sig = b"Content-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n"
    original = HEADERS + multipart("signed", [TEXT, sig],
                                   extra='; protocol="application/pgp-signature"')
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.PLAIN and result.message == original


def test_failure_after_opened_layers_reports_no_layers(people, bob_keys):
    signed_for_carol = tools.cms_sign(
        tools.cms_encrypt(TEXT, [people.carol], smime=True, extra_args=CRLFEOL),
        people.alice, detached=True, extra_args=CRLFEOL)
    result = unwrap_message(HEADERS + signed_for_carol, bob_keys)
    assert result.status is Status.NO_KEY and result.layers == ()
    note = b"Content-Type: text/plain\r\n\r\nhello"
    nested = message(multipart("mixed", [note, signed_for_carol.split(b"\r\n", 1)[1]]))
    result = unwrap_message(nested, bob_keys)
    assert result.status is Status.NO_KEY and result.message == nested
    assert result.layers == () and [p.part for p in result.problems] == ["2"]


def test_depth_limit(people, bob_keys):
    entity = TEXT
    for _n in range(3):
        entity = opaque(entity, people.alice)
    original = HEADERS + entity
    assert [la.kind for la in unwrap_message(original, bob_keys).layers] == ["signed"] * 3
    result = unwrap_message(original, bob_keys, max_depth=2)
    assert_corrupt(result, original, "more than 2 S/MIME layers")


def test_decompression_bomb(bob_keys):
    original = message(pkcs7_entity(compressed_data(b"\0" * 20_000_000),
                                    smime_type="compressed-data"))
    assert_corrupt(unwrap_message(original, bob_keys), original, "decompression bomb")


def test_damaged_zlib_stream(bob_keys):
    original = message(pkcs7_entity(compressed_data(b"", raw=b"\x78\x9cnot zlib"),
                                    smime_type="compressed-data"))
    assert_corrupt(unwrap_message(original, bob_keys), original, "zlib")


def test_unsupported_compression_and_cms_types_name_the_oid(bob_keys):
    lz = message(pkcs7_entity(compressed_data(TEXT, algorithm="1.2.3.4.5"),
                              smime_type="compressed-data"))
    result = unwrap_message(lz, bob_keys)
    assert result.status is Status.UNSUPPORTED and result.oid == "1.2.3.4.5"
    assert "1.2.3.4.5" in result.detail and result.message == lz
    encrypted_data = tools.openssl(
        "cms", "-EncryptedData_encrypt", "-aes128", "-secretkey",
        "000102030405060708090a0b0c0d0e0f", "-outform", "DER", input=TEXT)
    original = message(pkcs7_entity(encrypted_data))
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.UNSUPPORTED
    assert result.oid == "1.2.840.113549.1.7.6" and "1.2.840.113549.1.7.6" in result.detail


def test_unexpected_exception_is_an_error_outcome_without_traceback(people, bob_keys,
                                                                    monkeypatch):
    def explode(ci, keystore):
        raise RuntimeError("secret internal state")

    monkeypatch.setattr(envelope, "decrypt_enveloped", explode)
    original = message(pkcs7_entity(tools.cms_encrypt(TEXT, [people.bob])))
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.ERROR and result.message == original
    assert "RuntimeError" in result.detail
    assert "secret" not in result.detail and "Traceback" not in result.detail


def test_unexpected_exception_in_a_nested_part_keeps_the_message(people, bob_keys,
                                                                 monkeypatch):
    def explode(ci, keystore):
        raise KeyError("boom")

    monkeypatch.setattr(envelope, "decrypt_enveloped", explode)
    note = b"Content-Type: text/plain\r\n\r\nhello"
    original = message(multipart("mixed", [note, pkcs7_entity(
        tools.cms_encrypt(TEXT, [people.bob]))]))
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.ERROR and result.message == original
    (problem,) = result.problems
    assert problem.part == "2" and "KeyError" in problem.detail


def test_keyboard_interrupt_is_not_swallowed(people, bob_keys, monkeypatch):
    def interrupt(ci, keystore):
        raise KeyboardInterrupt

    monkeypatch.setattr(envelope, "decrypt_enveloped", interrupt)
    with pytest.raises(KeyboardInterrupt):
        unwrap_message(message(pkcs7_entity(tools.cms_encrypt(TEXT, [people.bob]))), bob_keys)


def test_too_many_protected_parts(people, bob_keys, monkeypatch):
    monkeypatch.setattr(layers, "MAX_NESTED_PARTS", 3)
    signed = tools.cms_sign(TEXT, people.alice, smime=False)
    parts = [pkcs7_entity(signed, smime_type="signed-data") for _n in range(5)]
    original = message(multipart("mixed", parts))
    result = unwrap_message(original, bob_keys)
    # the first three are opened and kept; the outcome names the limit
    assert result.status is Status.CORRUPT
    assert "more than 3 encrypted or signed parts" in result.detail
    assert [layer.part for layer in result.layers] == ["1", "2", "3"]
    assert result.message.count(b"application/pkcs7-mime") == 2


def test_message_growing_past_the_size_limit(bob_keys, monkeypatch):
    monkeypatch.setattr(layers, "MAX_MESSAGE_SIZE", 100_000)
    inner = TEXT + b"x" * 200_000
    original = message(pkcs7_entity(compressed_data(inner), smime_type="compressed-data"))
    assert_corrupt(unwrap_message(original, bob_keys), original, "grows to more than")
