"""Real message bytes for the renderer's tests, the speed benchmark and the sample pictures.

Built with the standard library's email package (the way mail clients write them) plus
a few hand-written ones where old clients' quirks matter.  Pictures are drawn with Pillow.
"""

from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage
from email.policy import SMTP

from PIL import Image, ImageDraw

from smime_archiver.model import (
    EncryptionInfo,
    Layer,
    RecipientRef,
    SignatureInfo,
    Status,
    UnwrapResult,
)

UTC = dt.timezone.utc
DANISH_LETTER = """Kære Søren Ærø

Tak for din henvendelse af 28. februar 2013 om din årsopgørelse. Vi har gennemgået \
oplysningerne, og beløbet på 1.234,50 kr. bliver udbetalt til din NemKonto inden for \
fem bankdage. Hvis du har spørgsmål, er du velkommen til at skrive til os igen via \
Sikker e-mail, så vi kan svare dig fortroligt.

Oversigt:
Post\t\tBeløb
Renter\t\t  234,50 kr.
Fradrag\t\t1.000,00 kr.

> Hej Skat, jeg mangler min årsopgørelse for 2012. Kan I sende den igen?
> Med venlig hilsen
>> Tidligere citat fra en ældre e-mail

Med venlig hilsen
Birthe Ågård
Skattestyrelsen
"""

NEWSLETTER_HTML = """<!DOCTYPE html><html><head><title>Nyhedsbrev</title>
<style>body{font-family:Arial} .x{color:red}</style>
<link rel="stylesheet" href="https://cdn.example.com/style.css">
<script>alert('x')</script></head>
<body bgcolor="#ffffff" onload="track()">
<table width="100%" cellpadding="0"><tr><td align="center">
<table width="600" border="0"><tr><td>
<h1>Nyhedsbrev fra Borgerservice</h1>
<p>Kære <b>borger</b>, her er <i>månedens</i> <u>vigtigste</u> nyheder.
Læs mere på <a href="https://borger.example.dk/nyt">vores hjemmeside</a>.</p>
<img src="cid:logo@example.dk" alt="Logo" width="120">
<img src="https://tracker.example.com/pixel.gif" width="1" height="1">
<img src="https://cdn.example.com/banner.png" alt="Sommerbanner">
<h2>Frister</h2>
<ol><li>Selvangivelse: <span style="color:#c5221f">1. maj</span></li>
<li>Ejendomsskat: 1. juli<ul><li>første rate</li><li>anden rate</li></ul></li></ol>
<h2>Priser</h2>
<table border="1"><tr><th>Ydelse</th><th>Pris</th><th>Bemærkning</th></tr>
<tr><td>Pas</td><td align="right">627 kr.</td><td>Voksne</td></tr>
<tr><td>Kørekort</td><td align="right">280 kr.</td><td bgcolor="#fef7e0">Fornyelse</td></tr>
</table>
<blockquote>Citat: <em>Ordentlig service er vores mål.</em></blockquote>
<pre>Kode   Navn
  01   Ærø
  02   Ølstykke</pre>
<p style="text-align:center;color:#ffffff">usynlig hvid tekst</p>
<iframe src="https://evil.example.com/frame"></iframe>
<p>Skriv til <a href="mailto:post@example.dk">post@example.dk</a>.
<b>Ubalanceret <i>markup</b> fortsætter</p>
</td></tr></table></td></tr></table></body></html>
"""

SCRIPTS_TEXT = """Dansk: Blåbærgrød med fløde — æ ø å Æ Ø Å
Ελληνικά: Καλημέρα κόσμε
Русский: Здравствуй, мир
עברית: שלום עולם
العربية: مرحبا بالعالم
中文: 你好，世界
日本語: こんにちは世界、カタカナ
한국어: 안녕하세요 세계
ไทย: สวัสดีชาวโลก
Emoji: 😀 🎉 👍 ❤ ☃ ✓ ★ ♞ €
"""


def picture(kind: str = "png", size: tuple[int, int] = (320, 180), mode: str = "RGB") -> bytes:
    """A small, clearly drawn picture (a gradient with a label), as ``kind`` bytes."""
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for x in range(size[0]):
        shade = int(200 * x / max(size[0] - 1, 1))
        draw.line([(x, 0), (x, size[1])], fill=(30, 90 + shade // 4, 200 - shade // 2))
    draw.rectangle([10, 10, size[0] - 10, size[1] - 10], outline=(255, 255, 255), width=3)
    draw.text((20, 20), f"{kind.upper()} {mode}", fill=(255, 255, 255))
    if mode == "RGBA":
        img = img.convert("RGBA")
        img.putalpha(Image.new("L", size, 160))
    elif mode != "RGB":
        img = img.convert(mode)
    out = io.BytesIO()
    img.save(out, format={"jpg": "JPEG", "jpeg": "JPEG"}.get(kind, kind.upper()))
    return out.getvalue()


def _base(subject: str, sender: str = "Skattestyrelsen <post@skat.example.dk>") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Søren Ærø <soren@example.dk>"
    msg["Cc"] = "Åse Øster <aase@example.dk>"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 04 Mar 2013 10:15:00 +0100"
    msg["Message-ID"] = "<m1-2013@skat.example.dk>"
    return msg


def plain_letter() -> bytes:
    msg = _base("Årsopgørelse 2012 – svar på din henvendelse")
    msg.set_content(DANISH_LETTER, charset="utf-8")
    return msg.as_bytes(policy=SMTP)


def long_letter(paragraphs: int = 120) -> bytes:
    msg = _base("Lang besked")
    msg.set_content("\n\n".join(f"Afsnit {i}: " + "blåbær og hindbær " * 30
                                for i in range(paragraphs)), charset="utf-8")
    return msg.as_bytes(policy=SMTP)


def newsletter() -> bytes:
    msg = _base("Nyhedsbrev marts 2013", "Borgerservice <nyt@borger.example.dk>")
    msg.set_content("Nyhedsbrev fra Borgerservice (tekstudgave)", charset="utf-8")
    msg.add_alternative(NEWSLETTER_HTML, subtype="html", charset="utf-8")
    html_part = msg.get_payload()[1]
    html_part.add_related(picture("png", (240, 80)), "image", "png", cid="<logo@example.dk>",
                          filename="logo.png")
    return msg.as_bytes(policy=SMTP)


ATTACHMENT_PDF = b"%PDF-1.4\n% exact bytes of an attached document \x00\x01\x02\xff\n%%EOF\n"


def with_attachments() -> bytes:
    msg = _base("Dokumenter til din sag")
    msg.set_content("Hej Søren\n\nHer er dokumenterne og billederne fra mødet.\n\nVenlig hilsen\n"
                    "Birthe", charset="utf-8")
    msg.add_attachment(ATTACHMENT_PDF, maintype="application", subtype="pdf",
                       filename="årsopgørelse 2012.pdf")
    msg.add_attachment(picture("jpeg", (640, 360)), maintype="image", subtype="jpeg",
                       filename="møde.jpg")
    msg.add_attachment(picture("png", (300, 200), "RGBA"), maintype="image", subtype="png",
                       filename="gennemsigtig.png")
    msg.add_attachment(picture("jpeg", (200, 120), "CMYK"), maintype="image", subtype="jpeg",
                       filename="cmyk.jpg")
    msg.add_attachment("Navn;Beløb\nÆrø;1.234,50\n".encode("cp1252"), maintype="text",
                       subtype="csv", filename="../../evil/../tal.csv")
    msg.add_attachment(b"\x89not really a png", maintype="image", subtype="png",
                       filename="ødelagt.png")
    return msg.as_bytes(policy=SMTP)


def scripts() -> bytes:
    msg = _base("Hilsner på mange sprog 🌍 Καλημέρα 你好 안녕 שלום مرحبا")
    msg.set_content(SCRIPTS_TEXT, charset="utf-8")
    return msg.as_bytes(policy=SMTP)


def forwarded() -> bytes:
    inner = _base("Oprindelig besked om boligstøtte", "Kommunen <post@kommune.example.dk>")
    inner.replace_header("Message-ID", "<inner@kommune.example.dk>")
    inner.set_content("Din ansøgning om boligstøtte er modtaget.\n", charset="utf-8")
    inner.add_attachment(b"kvittering 42", maintype="application", subtype="octet-stream",
                         filename="kvittering.bin")
    outer = _base("Fwd: Oprindelig besked om boligstøtte", "Søren Ærø <soren@example.dk>")
    outer.set_content("Se den videresendte besked nedenfor.\n", charset="utf-8")
    outer.add_attachment(inner)
    return outer.as_bytes(policy=SMTP)


def flowed_latin1() -> bytes:
    body = ("Dette er en lang linje der er brudt op af mailprogrammet men som h\xf8rer \r\n"
            "sammen i et afsnit.\r\n> Citeret tekst som ogs\xe5 er \r\n> brudt op.\r\n"
            "\r\n-- \r\nS\xf8ren\r\n")
    return (b"From: =?iso-8859-1?q?S=F8ren_=C6r=F8?= <soren@example.dk>\r\n"
            b"To: skat@example.dk\r\nSubject: =?iso-8859-1?q?Sp=F8rgsm=E5l?=\r\n"
            b"Date: Tue, 5 Mar 2013 08:00:00 +0100\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=iso-8859-1; format=flowed\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body.encode("latin-1"))


def decrypted_result(message: bytes, *, signature_valid: bool = True) -> UnwrapResult:
    """An UnwrapResult as the crypto stage reports an encrypted+signed NemID message."""
    ref = RecipientRef(kind="ktri", issuer="CN=TRUST2408 OCES CA II, O=TRUST2408, C=DK",
                       serial=1234567890)
    enc = EncryptionInfo(layer="enveloped", content_algorithm="des_ede3_cbc",
                         content_oid="1.2.840.113549.3.7", key_algorithm="rsaes_pkcs1v15",
                         recipient=ref, key_source="/home/soren/nøglefil-2012.p12",
                         key_subject="CN=Søren Ærø + SERIALNUMBER=PID:9208-2002-2-123456789012")
    sig = SignatureInfo(
        valid=signature_valid, detail="valid" if signature_valid else "digest mismatch",
        signer="CN=Skattestyrelsen, O=Skat // CVR:19552101, C=DK",
        signing_time=dt.datetime(2013, 3, 4, 9, 14, tzinfo=UTC), digest_algorithm="sha256",
        cert_not_before=dt.datetime(2011, 1, 1, tzinfo=UTC),
        cert_not_after=dt.datetime(2013, 1, 1, tzinfo=UTC), cert_valid_at_signing=False)
    return UnwrapResult(message=message, status=Status.DECRYPTED, detail="ok",
                        layers=(Layer(kind="enveloped", encryption=enc),
                                Layer(kind="signed", signatures=(sig,))))


def plain_result(message: bytes) -> UnwrapResult:
    return UnwrapResult(message=message, status=Status.PLAIN, detail="")


SAMPLES = {
    "plain-danish-letter": plain_letter,
    "html-newsletter": newsletter,
    "images-and-attachments": with_attachments,
    "scripts-cjk-emoji": scripts,
    "forwarded-message": forwarded,
}
