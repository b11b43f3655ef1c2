"""The words about a message come from one Qt-free module, in the language set."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from smime_archiver import i18n
from smime_archiver.crypto.keys.certbook import CertificateBook, KnownCertificate
from smime_archiver.model import KeyDescription, RecipientRef, SignatureInfo, Status
from smime_archiver.texts import common_name_of, describe_locator, explain, explain_no_key

UTC = dt.timezone.utc
ISSUER = "CN=TRUST2408 OCES CA II, O=TRUST2408, C=DK"
ME = "CN=Karen Ærø Østergård, serialNumber=PID:9208-2002-2-1, O=Ingen, C=DK"


def _ref(serial: int, issuer: str = ISSUER) -> RecipientRef:
    return RecipientRef(kind="ktri", issuer=issuer, serial=serial)


def _book() -> CertificateBook:
    book = CertificateBook()
    book.add_key(KeyDescription(source="2012.p12", key_type="RSA", key_size=2048, subject=ME,
                                issuer=ISSUER, serial=1, not_before=dt.datetime(2012, 3, 1,
                                                                                tzinfo=UTC),
                                not_after=dt.datetime(2014, 3, 1, tzinfo=UTC)))
    book.add_signatures([SignatureInfo(valid=True, detail="", signer=ME, issuer=ISSUER,
                                       serial=2,
                                       cert_not_before=dt.datetime(2014, 3, 1, tzinfo=UTC),
                                       cert_not_after=dt.datetime(2016, 3, 1, tzinfo=UTC))])
    book.add(KnownCertificate(ISSUER, 3, "CN=Jens Åkjær, C=DK",
                              dt.datetime(2011, 1, 1, tzinfo=UTC), None, False))
    return book


def test_no_key_advice_names_the_certificate_and_its_year():
    book = _book()
    assert explain_no_key([_ref(2)], None, book, True) == (
        "This mail was encrypted to your certificate from 2014 (serial 2, valid 2014-03-01 "
        "to 2016-03-01). Add the key file from that time.")
    assert explain_no_key([_ref(3)], None, book, True).startswith(
        "This mail was encrypted to the certificate of Jens Åkjær from 2011 (serial 3).")
    same_issuer = explain_no_key([_ref(9)], dt.datetime(2013, 5, 1), book, True)
    assert same_issuer == (
        "This mail was encrypted to another certificate from TRUST2408 OCES CA II (serial 9) "
        "than the ones in your key files. The mail is from 2013: add the key file you had "
        "then.")
    assert explain_no_key([_ref(9)], None, book, False).startswith(
        "This mail is encrypted. Add your key file")
    assert book.match([_ref(9)]) is None


def test_advice_in_danish_through_the_core_catalogue():
    try:
        i18n.set_language("da")
        text = explain(Status.NO_KEY, "", [_ref(2)], None, _book(), True)
        assert text.startswith("Denne besked blev krypteret til dit certifikat fra 2014")
        assert explain(Status.DECRYPTED, "", [], None, _book(), True) == ""
    finally:
        i18n.set_language("en")


def test_common_name_and_locator_words():
    assert common_name_of(ME) == "Karen Ærø Østergård"
    assert common_name_of("O=Ingen, C=DK") is None and common_name_of(None) is None

    class Found:
        locator = "#12@40960"
        offset = None

    assert describe_locator(Found()) == "message 13 (byte 40960)"


def test_texts_import_no_qt():
    code = ("import sys, smime_archiver.texts, smime_archiver.scan, "
            "smime_archiver.crypto.keys.certbook; "
            "sys.exit(any(m.startswith('PySide6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
