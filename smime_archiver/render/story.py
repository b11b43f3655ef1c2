"""The story of one message: title, header block, status panel, body, pictures, attachments.

Forwarded messages (message/rfc822) are drawn inside, indented, with their own headers,
body and attachments.  Bookmarks (PDF outline) mark the message and its parts.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    ActionFlowable,
    CondPageBreak,
    Flowable,
    HRFlowable,
    Indenter,
    KeepTogether,
    Paragraph,
    Spacer,
)
from reportlab.platypus.doctemplate import FrameActionFlowable

from smime_archiver.i18n import _, ngettext
from smime_archiver.mime.htmltext import html_to_text
from smime_archiver.model import (
    Attachment,
    EncryptionInfo,
    MessageView,
    RawMail,
    Status,
    UnwrapResult,
)
from smime_archiver.render.blocks import FitLine, Look, Row, Rows
from smime_archiver.render.fonts import MONO, SANS_BOLD, markup
from smime_archiver.render.html import html_flowables
from smime_archiver.render.htmltree import count_remote
from smime_archiver.render.images import IMAGE_TYPES, ImageProblem, image_flowable, placeholder
from smime_archiver.render.styles import FRAME_HEIGHT, FRAME_WIDTH, LIGHT_GREY, styles, table_style
from smime_archiver.render.tables import Table
from smime_archiver.render.text import breakable, text_flowables
from smime_archiver.texts import encryption_line, protection_lines, status_label

_STATUS_COLOURS = {
    Status.DECRYPTED: colors.HexColor("#e6f4ea"),
    Status.SIGNED: colors.HexColor("#e8f0fe"),
    Status.PLAIN: colors.HexColor("#f1f3f4"),
}
_PROBLEM_COLOUR = colors.HexColor("#fce8e6")
_SEALED_RULE = colors.HexColor("#81c995")  # the green of the decrypted status, darker
_NEST_INDENT = 7 * mm
_SEALED_INDENT = 4 * mm  # a part encrypted on its own, inside its rules
_LABEL_WIDTH = 24 * mm  # the label column of the header block
MAX_OUTLINE_TITLE = 120


class Bookmark(Flowable):
    """An invisible mark that adds a PDF outline entry pointing at where it is drawn."""

    _keys = itertools.count(1)

    def __init__(self, title: str, level: int) -> None:
        super().__init__()
        self.key = f"bm{next(Bookmark._keys)}"
        self.title = " ".join(title.split())[:MAX_OUTLINE_TITLE] or "-"
        self.level = level
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.key, 0, 0)
        self.canv.addOutlineEntry(self.title, self.key, self.level, closed=False)


@dataclass
class Options:
    simple: bool = False  # flatten HTML tables (used when the full layout failed)
    text_only: bool = False  # draw HTML bodies as plain text (last resort)
    notes: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)  # filled: pictures/tables not drawn
    # the layers of parts encrypted on their own, by MIME path (set by build_story)
    encrypted: dict[str, EncryptionInfo] = field(default_factory=dict)


def build_story(view: MessageView, result: UnwrapResult, raw: RawMail,
                options: Options) -> list[Flowable]:
    st = styles()
    subject = view.subject or _("(no subject)")
    options.encrypted = {layer.part: layer.encryption for layer in result.layers
                         if layer.part and layer.encryption is not None}
    body, notes = message_body(view, options, level=1, width=FRAME_WIDTH)
    story: list[Flowable] = [
        Bookmark(subject, 0),
        # the headers below show the whole subject; a title of pages helps nobody
        FitLine(_shorter(subject, 300), st["title"]),
        header_block(view),
        Spacer(1, 4 * mm),
        status_panel(result, view, raw, notes + options.notes),
    ]
    story += body
    return story


def message_body(view: MessageView, options: Options, *, level: int, width: float,
                 within: str | None = None) -> tuple[list[Flowable], list[str]]:
    """Flowables for the body, pictures and attachments of ``view``; and notes for the panel.

    ``within``: the separately encrypted part this view is drawn inside (a forwarded
    message in it), which is not marked again.
    """
    st = styles()
    out: list[Flowable] = [Bookmark(_("Message text"), level),
                           FitLine(_("Message"), st["section"])]
    notes: list[str] = list(view.notes)
    shown_cids: set[str] = set()
    shown_parts: set[str] = set()
    remote = 0
    drawn = 0
    sealed: str | None = None  # the separately encrypted part whose rules are open
    anchor: list[float | None] = [None]  # where its rule is drawn (see _Ruled)
    for part in view.parts:
        own = part.encrypted_part if part.encrypted_part != within else None
        if own != sealed:
            if sealed is not None:
                out += _sealed_end()
            if own is not None:
                anchor = [None]
                out += _sealed_start(own, options, level, anchor)
            sealed = own
        body: list[Flowable] = []
        part_width = width - _SEALED_INDENT if sealed is not None else width
        if part.kind == "text":
            body += text_flowables(part.text, width=part_width)
            drawn += 1
        elif part.kind == "html":
            remote += count_remote(part.text)
            if options.text_only:
                body += text_flowables(html_to_text(part.text), width=part_width)
            else:
                flowables, ctx = html_flowables(part.text, view.attachments, part_width,
                                                simple=options.simple)
                body += flowables
                shown_cids |= ctx.used_cids
                notes += ctx.notes
                options.limits.extend(ctx.limits)
            drawn += 1
        elif part.kind == "image" and part.attachment is not None:
            body += _picture(part.attachment, part_width, options.limits)
            shown_parts.add(part.attachment.part)
            drawn += 1
        elif part.kind == "message" and part.message is not None:
            body += forwarded(part.message, part.part, options, level=level, width=part_width,
                              within=sealed or within)
            drawn += 1
        out += _ruled(body, anchor) if sealed is not None else body  # a rule down the part
    if sealed is not None:
        out += _sealed_end()
    if not drawn:
        out.append(Paragraph(markup(_("(This message has no text.)")), st["quote"]))
    if remote:
        notes.append(ngettext(
            "The message refers to {n} item on the internet (a picture, style sheet, font or "
            "frame). It was not loaded: the archive never fetches anything, so the PDF shows "
            "only what the mail itself carried.",
            "The message refers to {n} items on the internet (pictures, style sheets, fonts or "
            "frames). They were not loaded: the archive never fetches anything, so the PDF "
            "shows only what the mail itself carried.", remote).format(n=remote))
    pictures = [a for a in view.attachments if _drawable(a) and a.part not in shown_parts
                and not (a.content_id and a.content_id.lower() in shown_cids)]
    if pictures:
        out += [Bookmark(_("Pictures"), level), CondPageBreak(40 * mm),
                FitLine(_("Pictures"), st["section"])]
        for att in pictures:
            out += _picture(att, width, options.limits)
    if view.attachments:
        out += [Bookmark(_("Attachments"), level), CondPageBreak(30 * mm),
                FitLine(_("Attachments"), st["section"]),
                attachment_table(view.attachments, width)]
    return out, notes


def _sealed_start(part: str, options: Options, level: int,
                  anchor: list[float | None]) -> list[Flowable]:
    """The head of a part that was encrypted on its own: a rule, its name and how it was
    encrypted; what follows is indented (and ruled, :func:`_ruled`) until
    :func:`_sealed_end`."""
    st = styles()
    title = _("Encrypted part {part}").format(part=part)
    info = options.encrypted.get(part)
    how = encryption_line(info) if info is not None else _(
        "Encrypted separately from the rest of the message.")
    return [
        Spacer(1, 2 * mm),
        Bookmark(title, level),
        HRFlowable(width="100%", thickness=0.8, color=_SEALED_RULE, spaceAfter=2),
        Indenter(left=_SEALED_INDENT),
        *_ruled([FitLine(title, st["status"], SANS_BOLD), Paragraph(markup(how), st["note"])],
                anchor),
    ]


class _Ruled(Flowable):
    """A flowable of a separately encrypted part, with the part's rule down its left: on
    every page the part runs over, its text stays marked as that part.

    ``anchor`` is shared by the part's flowables: the x its first one is drawn at (the
    part's indented left edge), so the rule stays in one line while forwarded messages
    inside the part indent their own flowables further.
    """

    def __init__(self, inner: Flowable, anchor: list[float | None]) -> None:
        super().__init__()
        self.inner = inner
        self.anchor = anchor
        self.width = self.height = 0
        self._x = 0.0
        # what the frame asks of the flowable itself
        self._ZEROSIZE = getattr(inner, "_ZEROSIZE", False)
        self._SPACETRANSFER = getattr(inner, "_SPACETRANSFER", False)

    def wrap(self, availWidth, availHeight):
        self.width, self.height = self.inner.wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        return [_Ruled(piece, self.anchor)
                for piece in self.inner.split(availWidth, availHeight)]

    def getSpaceBefore(self) -> float:
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self.inner.getSpaceAfter()

    def getKeepWithNext(self):
        return self.inner.getKeepWithNext()

    def drawOn(self, canvas, x, y, _sW=0):
        self._x = x
        if self.anchor[0] is None:
            self.anchor[0] = x
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        self.inner.drawOn(self.canv, 0, 0)
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(_SEALED_RULE)
        canv.setLineWidth(0.8)
        x = (self.anchor[0] or self._x) - self._x + 1.5 - _SEALED_INDENT
        canv.line(x, -self.getSpaceAfter(), x, self.height + self.getSpaceBefore())
        canv.restoreState()


def _ruled(flowables: list[Flowable], anchor: list[float | None]) -> list[Flowable]:
    """``flowables`` with the rule of their encrypted part (indents and page breaks stay as
    they are: the frame acts on them)."""
    return [f if isinstance(f, (ActionFlowable, FrameActionFlowable, CondPageBreak))
            else _Ruled(f, anchor) for f in flowables]


def _sealed_end() -> list[Flowable]:
    return [Indenter(left=-_SEALED_INDENT),
            HRFlowable(width="100%", thickness=0.8, color=_SEALED_RULE, spaceBefore=2,
                       spaceAfter=2)]


def forwarded(view: MessageView, part: str, options: Options, *, level: int,
              width: float, within: str | None = None) -> list[Flowable]:
    st = styles()
    title = _("Forwarded message (part {part}): {subject}").format(
        part=part, subject=view.subject or _("(no subject)"))
    inner_width = width - _NEST_INDENT
    body, notes = message_body(view, options, level=level + 1, width=inner_width,
                               within=within)
    out: list[Flowable] = [
        Spacer(1, 3 * mm),
        Bookmark(title, level),
        HRFlowable(width="100%", thickness=0.6, color=LIGHT_GREY, spaceAfter=3),
        Indenter(left=_NEST_INDENT),
        FitLine(title, st["section"]),
        header_block(view),
    ]
    out += [Paragraph(markup(n), st["note"]) for n in notes]
    out += body
    out += [Indenter(left=-_NEST_INDENT),
            HRFlowable(width="100%", thickness=0.6, color=LIGHT_GREY, spaceBefore=3)]
    return out


def header_block(view: MessageView) -> Rows:
    st = styles()
    rows = []
    date = view.date.strftime("%Y-%m-%d %H:%M %z") if view.date else view.date_text
    for label, value in ((_("From"), view.sender), (_("To"), view.to), (_("Cc"), view.cc),
                         (_("Date"), date), (_("Subject"), view.subject)):
        if value:
            rows.append(Row(FitLine(value, st["value"]), label))
    if not rows:
        rows.append(Row(FitLine(_("(none)"), st["value"]), _("Headers")))
    # a To line with thousands of recipients continues on the next page
    return Rows(rows, Look(label_width=_LABEL_WIDTH, label_style=st["label"], right=6,
                           row_top=1, row_bottom=2))


def status_panel(result: UnwrapResult, view: MessageView, raw: RawMail,
                 notes: list[str]) -> Rows:
    st = styles()
    rows = [Row(FitLine(status_label(result.status), st["status"], SANS_BOLD))]
    lines = protection_lines(result)
    if raw.note:
        lines.append(_("Mailbox: {note}").format(note=raw.note))
    lines += list(dict.fromkeys(notes))
    rows += [Row(FitLine(_shorter(line), st["status"])) for line in lines]
    # one row per line: a panel longer than a page (a damaged message with many problems)
    # continues on the next page
    background = _STATUS_COLOURS.get(result.status, _PROBLEM_COLOUR)
    return Rows(rows, Look(left=6, right=6, first_top=5, last_bottom=6,
                           background=background, border=LIGHT_GREY))


_MAX_SHOWN = 2000  # characters of one status line or attachment name drawn in a table


def _shorter(text: str, limit: int = _MAX_SHOWN) -> str:
    """``text``, cut with an ellipsis past ``limit`` characters (it is embedded in full)."""
    return text if len(text) <= limit else text[:limit] + "…"


def attachment_table(attachments: tuple[Attachment, ...], width: float) -> Table:
    st = styles()
    header = [_("Name"), _("Type"), _("Size"), _("SHA-256"), _("In this PDF")]
    rows: list[list[object]] = [[Paragraph(markup(h, SANS_BOLD), st["label"]) for h in header]]
    for att in attachments:
        digest = hashlib.sha256(att.data).hexdigest()
        rows.append([
            Paragraph(breakable(_shorter(att.filename, 500)), st["small"]),
            Paragraph(breakable(_shorter(att.content_type, 100)), st["small"]),
            Paragraph(markup(format_size(att.size)), st["small"]),
            Paragraph(markup(digest[:32], MONO) + "<br/>" + markup(digest[32:], MONO),
                      st["small_mono"]),
            Paragraph(markup(_("embedded in this PDF")), st["small"]),
        ])
    fixed = [28 * mm, 15 * mm, 46 * mm, 22 * mm]
    table = Table(rows, colWidths=[width - sum(fixed), *fixed], repeatRows=1, hAlign="LEFT",
                  splitInRow=1)
    table.setStyle(table_style([
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, LIGHT_GREY),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def format_size(size: int) -> str:
    if size < 1024:
        return _("{n} bytes").format(n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _drawable(att: Attachment) -> bool:
    return att.content_type in IMAGE_TYPES and att.size > 0


def _picture(att: Attachment, width: float, limits: list[str]) -> list[Flowable]:
    st = styles()
    caption = Paragraph(breakable(_("{name} ({type}, {size})").format(
        name=_shorter(att.filename, 500), type=_shorter(att.content_type, 100),
        size=format_size(att.size))), st["note"])
    try:
        image = image_flowable(att.data, width, FRAME_HEIGHT * 0.75)
    except ImageProblem as e:
        text = _("Picture {label} not shown: {reason}").format(
            label=_shorter(att.filename, 500), reason=e)
        limits.append(text)
        return [placeholder(text)]
    return [KeepTogether([image, caption])]
