"""safe_attachment_name: names from hostile mail can never leave their folder."""

from __future__ import annotations

import pytest

from smime_archiver.archive.names import safe_attachment_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("årsopgørelse 2012.pdf", "årsopgørelse 2012.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\evil.dll", "evil.dll"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\x\\Desktop\\faktura.pdf", "faktura.pdf"),
        ("C:faktura.pdf", "faktura.pdf"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1.tar.gz", "_LPT1.tar.gz"),
        ("COM¹.txt", "_COM¹.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("   ", "attachment"),
        ("a\x00b\x1fc.txt", "a_b_c.txt"),
        ('what? "quoted" <x>|y*.doc', "what_ _quoted_ _x__y_.doc"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("trailing dots...", "trailing dots"),
        ("Σύμβαση 合同.docx", "Σύμβαση 合同.docx"),
        ("A\u030arhus.txt", "Århus.txt"),
    ],
)
def test_safe_attachment_name(name, expected):
    assert safe_attachment_name(name) == expected


def test_long_names_keep_their_extension_within_the_byte_limit():
    name = safe_attachment_name("ø" * 400 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode("utf-8")) <= 150
    assert set(name[:-4]) == {"ø"}


def test_result_is_always_a_single_plain_component():
    for name in ("../", "a/b/c/..", "\\\\server\\share\\x", "./.", "~/.ssh/id_rsa", "x/"):
        safe = safe_attachment_name(name)
        assert safe and "/" not in safe and "\\" not in safe
        assert safe not in (".", "..") and not safe.startswith(".")
