"""Password spellings and the lazy password feed."""

from __future__ import annotations

import unicodedata

import pytest

from smime_archiver.crypto.keys.passwords import (
    PasswordFeed,
    bmp_secrets,
    bmp_string,
    first_match,
    octet_secrets,
    widen,
)
from tests.support.keyfiles import CountingSource, never_asked

NFC = unicodedata.normalize("NFC", "blåbærgrød")
NFD = unicodedata.normalize("NFD", "blåbærgrød")


def test_no_password_and_empty_password_differ():
    assert [s.data for s in bmp_secrets(None)] == [b""]
    assert [s.data for s in bmp_secrets("")] == [b"\x00\x00"]
    assert bmp_secrets(None)[0].for_openssl is None
    assert bmp_secrets("")[0].for_openssl == b""


def test_bmp_spellings_of_a_danish_password():
    datas = [s.data for s in bmp_secrets(NFD)]
    assert datas[0] == bmp_string(NFD)  # as typed first
    assert bmp_string(NFC) in datas
    assert widen(NFC.encode("utf-8")) in datas  # OpenSSL < 1.1
    assert widen(NFD.encode("utf-8")) in datas
    assert widen(NFC.encode("cp1252")) == bmp_string(NFC)  # Latin-1 letters: the same
    assert len(datas) == len(set(datas))


def test_cp1252_spelling_differs_where_the_code_page_does():
    datas = [s.data for s in bmp_secrets("pris 5€")]
    assert widen("pris 5€".encode("cp1252")) in datas  # € is 0x80 in cp1252
    assert bmp_string("pris 5€") in datas
    assert widen("pris 5€".encode("cp1252")) != bmp_string("pris 5€")


def test_ascii_password_has_one_bmp_spelling():
    assert [s.data for s in bmp_secrets("secret")] == [bmp_string("secret")]
    assert bmp_string("ab") == b"\x00a\x00b\x00\x00"


def test_widened_spelling_is_what_openssl3_makes_of_latin1_text():
    secret = next(s for s in bmp_secrets(NFC) if s.label == "widened-utf8/typed")
    assert secret.data == widen(NFC.encode("utf-8"))
    # OpenSSL 3 converts this UTF-8 to a BMPString with one character per original byte
    assert secret.for_openssl.decode("utf-8").encode("latin-1") == NFC.encode("utf-8")


def test_octet_spellings():
    datas = [s.data for s in octet_secrets(NFC)]
    assert datas[0] == NFC.encode("utf-8")
    assert NFD.encode("utf-8") in datas
    assert NFC.encode("cp1252") in datas
    assert [s.data for s in octet_secrets(None)] == [b""] == [s.data for s in octet_secrets("")]
    # last resort, for writers that gave PBKDF2 the BMPString: only our code can try these
    assert datas[-2:] == [bmp_string(NFD), NFD.encode("utf-16-be")]
    assert all(s.for_openssl is None for s in octet_secrets(NFC) if s.label.startswith(
        ("bmp-octets", "utf16be")))


def test_feed_offers_no_and_empty_password_before_asking():
    source = CountingSource("one", "two")
    feed = PasswordFeed(source, "f.p12")
    iterator = iter(feed)
    assert next(iterator) is None
    assert next(iterator) == ""
    assert source.calls == []  # nothing asked yet
    assert next(iterator) == "one"
    assert source.calls == ["f.p12"] and source.handed_out == 1
    assert next(iterator) == "two"
    assert list(iterator) == []
    assert feed.typed_count == 2


def test_feed_remembers_and_never_asks_twice():
    source = CountingSource("one", "two")
    feed = PasswordFeed(source, "f.p12", remembered=["old"])
    assert list(feed) == [None, "", "old", "one", "two"]
    assert list(feed.candidates("two", use_first=True)) == ["two", None, "", "old", "one"]
    assert source.calls == ["f.p12"] and source.handed_out == 2


def test_feed_with_a_plain_list():
    feed = PasswordFeed(["a", "b"], "f.pem")
    assert list(feed) == [None, "", "a", "b"]
    assert list(feed) == [None, "", "a", "b"]


def test_first_match_pulls_only_what_it_needs():
    source = CountingSource("wrong", "right", "never")
    feed = PasswordFeed(source, "f.p12")
    target = bmp_string("right")
    found = first_match(feed, bmp_secrets, lambda s: True if s.data == target else None)
    assert found is not None and found[1] == "right"
    assert source.handed_out == 2


def test_first_match_without_a_fit_returns_none_and_tries_each_spelling_once():
    tried = []
    feed = PasswordFeed(["x", "x", ""], "f.p12")
    assert first_match(feed, octet_secrets, lambda s: tried.append(s.data)) is None
    assert sorted(tried) == sorted([b"", b"x", b"\x00x\x00\x00", b"\x00x"])
    assert len(tried) == len(set(tried))


def test_source_is_never_called_when_no_password_fits():
    feed = PasswordFeed(never_asked, "f.p12")
    found = first_match(feed, bmp_secrets, lambda s: True if s.data == b"" else None)
    assert found is not None and found[1] is None


def test_a_source_yielding_bytes_is_a_programming_error():
    feed = PasswordFeed(lambda path: iter([b"bytes"]), "f.p12")
    with pytest.raises(TypeError):
        list(feed)
