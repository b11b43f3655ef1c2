"""Take every S/MIME layer off one message: the unwrap loop of the pipeline.

Starting from the raw RFC 5322 bytes (or a bare CMS file), layers come off in
any order: enveloped and auth-enveloped (decrypted with the key store), opaque
SignedData, multipart/signed, CompressedData.  After each layer the content is
a MIME entity; the outer message headers (From, To, Subject, Date, ...) are
merged with it so the result reads as the message the sender wrote.  Then
protected parts nested inside the message (an encrypted attachment, a
forwarded signed message) are opened in place, the message rebuilt byte for
byte around them.

:func:`unwrap_message` never raises: every failure becomes the outcome
(:class:`~smime_archiver.model.UnwrapResult` ``status``/``detail``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from asn1crypto import cms as acms

from smime_archiver.crypto.cms import envelope
from smime_archiver.crypto.cms.compressed import decompress_compressed
from smime_archiver.crypto.cms.merge import bare_cms_entity, inner_name, merge_layer
from smime_archiver.crypto.cms.signed import has_content, verify_signed_data
from smime_archiver.crypto.cms.sniff import looks_like_cms
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import (
    LimitExceededError,
    MalformedMessageError,
    MessageError,
    NoMatchingKeyError,
    UnsupportedAlgorithmError,
)
from smime_archiver.i18n import _
from smime_archiver.mime.rawmime import (
    CRLF,
    Entity,
    decode_body,
    line_ending_of,
    parse_entity,
    replace_span,
    split_multipart,
    to_line_ending,
    walk,
)
from smime_archiver.mime.structure import read_structure
from smime_archiver.model import (
    ARCHIVED_STATUSES,
    Layer,
    PartProblem,
    RecipientRef,
    SignatureInfo,
    Status,
    UnwrapResult,
)
from smime_archiver.texts import describe_layers, problems_text

log = logging.getLogger(__name__)

PKCS7_MIME = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
PKCS7_SIGNATURE = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature"})
MAX_NESTED_PARTS = 64  # protected parts opened inside one message
MAX_MESSAGE_SIZE = 512 * 1024 * 1024  # a message opened up to more than this is hostile

# content types by asn1crypto's names (cms.ContentType), and the layer each one is
_ENVELOPED = {envelope.ENVELOPED: "enveloped", envelope.AUTH_ENVELOPED: "auth_enveloped"}
_SIGNED = "signed_data"
_COMPRESSED = "compressed_data"


@dataclass
class _State:
    keystore: KeyStore
    max_depth: int
    certificates: list
    layers: list[Layer] = field(default_factory=list)
    problems: list[PartProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the reader, no damage


@dataclass(frozen=True)
class _Plan:
    """What layer an entity is: ``multipart_signed``, or ``cms`` with its ContentInfo."""

    kind: str
    ci: acms.ContentInfo | None = None


def unwrap_message(data: bytes, keystore: KeyStore, *, max_depth: int = 8) -> UnwrapResult:
    """Open every layer of one message; never raises (except KeyboardInterrupt and the like).

    ``data``: the raw message, or a bare CMS file (DER, PEM or base64).
    ``max_depth``: how many layers one entity may have before it counts as damaged.
    On failure ``message`` is ``data`` unchanged and ``layers`` is empty: layers
    always describe what was taken off the returned message.
    """
    state = _State(keystore, max_depth, _extra_certificates(keystore))
    try:
        message = _unwrap(data, state)
    except MessageError as e:
        return UnwrapResult(
            message=data,
            status=Status(e.status),
            detail=e.message,
            recipients=tuple(getattr(e, "recipients", ())),
            oid=getattr(e, "oid", None),
        )
    except Exception as e:  # one message never ends the run
        log.warning("unexpected %s while unwrapping a message", type(e).__name__, exc_info=True)
        return UnwrapResult(
            message=data,
            status=Status.ERROR,
            detail=_unexpected(e),
        )
    return _outcome(message, state)


def _unexpected(e: Exception) -> str:
    return _(
        "The message could not be opened because of an unexpected internal error ({error}). "
        "Please report this, with the message if you can share it."
    ).format(error=type(e).__name__)


def _extra_certificates(keystore: KeyStore) -> list:
    certs: list = []
    for entry in keystore:
        if entry.certificate is not None:
            certs.append(entry.certificate)
        certs.extend(entry.chain)
    certs.extend(keystore.certificates)
    return certs


def _unwrap(data: bytes, state: _State) -> bytes:
    top = parse_entity(data)
    if not top.has_header_block:
        if not data.strip():
            raise MalformedMessageError(_("The message is empty."))
        if not looks_like_cms(data):
            raise MalformedMessageError(
                _("The file is neither a mail message (it has no mail headers) nor an S/MIME "
                  "(CMS) file.")
            )
        eol = CRLF
        data = bare_cms_entity(data)
    else:
        eol = line_ending_of(data)
    message = _unwrap_entity(data, state, None, top=True)
    message = _unwrap_nested(message, state, eol)
    structure = read_structure(message)
    for path, detail in structure.defects:
        state.problems.append(PartProblem(path, Status.CORRUPT, detail))
    state.notes.extend(text for _path, text in structure.notes)
    # Opened layers bring their own line endings; the result keeps the message's.
    return to_line_ending(message, eol) if state.layers else message


# --- one entity -----------------------------------------------------------------------------


def _unwrap_entity(data: bytes, state: _State, part: str | None, *, top: bool) -> bytes:
    """Take layers off one entity (the message or a nested part) until none is left."""
    current = data
    taken = 0
    while True:
        entity = parse_entity(current)
        plan = _plan(entity)
        if plan is None:
            return current
        if taken >= state.max_depth:
            raise LimitExceededError(
                _("The message has more than {depth} S/MIME layers inside each other; it was "
                  "not opened further because it looks damaged or hostile.").format(
                    depth=state.max_depth
                )
            )
        step = _take(plan, entity, state, part)
        if step is None:
            return current
        layer, inner, hint = step
        state.layers.append(layer)
        taken += 1
        current = merge_layer(entity, inner, hint=hint, top=top)
        _check_size(current)


def _plan(entity: Entity) -> _Plan | None:
    """Is ``entity`` a layer to take off?  Reads the CMS type of pkcs7-mime bodies."""
    kind = _candidate(entity)
    if kind != "cms":
        return _Plan(kind) if kind else None
    body = decode_body(entity)
    if not body.strip():
        raise MalformedMessageError(_("The S/MIME part is empty."))
    ci = envelope.load_content_info(body)
    if ci["content_type"].native == _SIGNED and not has_content(ci):
        return None  # certs-only or detached signature: nothing to take off
    return _Plan("cms", ci)


def _candidate(entity: Entity) -> str | None:
    """The cheap part of :func:`_plan`: decided by the headers alone."""
    ctype = entity.content_type
    if ctype == "multipart/signed":
        protocol = (entity.param("protocol") or "").strip().lower()
        return "multipart_signed" if not protocol or protocol in PKCS7_SIGNATURE else None
    if ctype in PKCS7_MIME:
        smime_type = (entity.param("smime-type") or "").strip().lower()
        return None if smime_type == "certs-only" else "cms"
    if ctype == "application/octet-stream":
        name = (entity.filename or "").lower()
        return "cms" if name.endswith(".p7m") else None
    return None


def _take(
    plan: _Plan, entity: Entity, state: _State, part: str | None
) -> tuple[Layer, bytes, str | None] | None:
    if plan.kind == "multipart_signed":
        return _take_multipart_signed(entity, state, part)
    ci = plan.ci
    if ci is None:  # pragma: no cover - _plan always attaches the ContentInfo to "cms"
        return None
    name = ci["content_type"].native  # asn1crypto's name, or the dotted OID when unknown
    hint = inner_name(entity.filename)
    if name in _ENVELOPED:
        plaintext, info = envelope.decrypt_enveloped(ci, state.keystore)
        return Layer(info.layer or _ENVELOPED[name], encryption=info, part=part), plaintext, hint
    if name == _SIGNED:
        content, signatures = verify_signed_data(ci, extra_certificates=state.certificates)
        if content is None:  # pragma: no cover - _plan leaves content-less SignedData alone
            return None
        return Layer("signed", signatures=signatures, part=part), content, hint
    if name == _COMPRESSED:
        return Layer("compressed", part=part), decompress_compressed(ci), hint
    oid = ci["content_type"].dotted
    raise UnsupportedAlgorithmError(
        _("The message is protected with a kind of S/MIME structure this program does not "
          "support ({name}, OID {oid}).").format(name=name, oid=oid),
        oid=oid,
        name=name,
    )


def _take_multipart_signed(
    entity: Entity, state: _State, part: str | None
) -> tuple[Layer, bytes, str | None] | None:
    boundary = entity.param("boundary")
    if not boundary:
        raise MalformedMessageError(
            _("The signed message (multipart/signed) has no boundary parameter, so its content "
              "and signature cannot be told apart.")
        )
    mp = split_multipart(entity.body, boundary)
    if len(mp.parts) < 2:
        raise MalformedMessageError(
            _("The signed message (multipart/signed) does not have its two parts, the content "
              "and the signature.")
        )
    (s1, e1), (s2, e2) = mp.parts[0], mp.parts[1]
    content = entity.body[s1:e1]
    signature_part = parse_entity(entity.body[s2:e2])
    sig_type = signature_part.content_type
    sig_name = (signature_part.filename or "").lower()
    if not entity.param("protocol") and sig_type not in PKCS7_SIGNATURE and not (
        sig_name.endswith(".p7s")
    ):
        return None  # not S/MIME (PGP or unknown): leave it alone
    signatures: tuple[SignatureInfo, ...]
    readable = True
    try:
        ci = envelope.load_content_info(decode_body(signature_part))
        _content, signatures = verify_signed_data(
            ci, content, extra_certificates=state.certificates
        )
    except MessageError as e:
        log.info("unreadable signature part: %s", e)
        readable = False
        signatures = (
            SignatureInfo(
                valid=False,
                detail=_("the signature part is damaged and cannot be read"),
                detached=True,
            ),
        )
    if not mp.closed and not readable:  # cut inside the signature
        state.problems.append(PartProblem(part or "", Status.CORRUPT, _(
            "The signed message (multipart/signed) is truncated: its closing MIME boundary "
            "is missing."
        )))
    elif not mp.closed:  # the signature was read whole: only the last line is missing
        state.notes.append(_(
            "The closing MIME boundary of the signed message (multipart/signed) is missing; "
            "its content and signature part were read completely."))
    return Layer("signed", signatures=signatures, part=part), content, None


# --- nested parts ---------------------------------------------------------------------------


def _unwrap_nested(data: bytes, state: _State, eol: bytes) -> bytes:
    """Open protected parts inside the message in place, keeping every other byte."""
    leave: set[str] = set()  # parts that failed or hold nothing to take off
    for _round in range(MAX_NESTED_PARTS):
        target = None
        for ref in walk(data):
            if not ref.path or ref.limited or _under(ref.path, leave):
                continue
            if _candidate(ref.entity):
                target = ref
                break
        if target is None:
            return data
        before = len(state.layers)
        try:
            new = _unwrap_entity(
                data[target.start : target.end], state, target.path, top=target.encapsulated
            )
        except MessageError as e:
            del state.layers[before:]  # the part stays as it was
            state.problems.append(_problem(target.path, e))
            leave.add(target.path)
            continue
        except Exception as e:  # one part never loses the rest of the message
            log.warning("unexpected %s in part %s", type(e).__name__, target.path, exc_info=True)
            del state.layers[before:]
            state.problems.append(PartProblem(target.path, Status.ERROR, _unexpected(e)))
            leave.add(target.path)
            continue
        if len(state.layers) == before:
            leave.add(target.path)
            continue
        data = replace_span(data, target.start, target.end, to_line_ending(new, eol))
        _check_size(data)
    # the parts opened so far stay open, the others as they are: the rest is still archived
    state.problems.append(PartProblem("", Status.CORRUPT, _(
        "The message holds more than {count} encrypted or signed parts; the first {count} "
        "were opened, the others were not.").format(count=MAX_NESTED_PARTS)))
    return data


def _check_size(data: bytes) -> None:
    if len(data) > MAX_MESSAGE_SIZE:
        raise LimitExceededError(
            _("The message grows to more than {size} MB when opened; it was not opened "
              "further because it looks damaged or hostile.").format(
                size=MAX_MESSAGE_SIZE // (1024 * 1024)
            )
        )


def _under(path: str, roots: set[str]) -> bool:
    return any(path == r or path.startswith(r + ".") for r in roots)


def _problem(path: str, e: MessageError) -> PartProblem:
    recipients: tuple[RecipientRef, ...] = ()
    oid = None
    if isinstance(e, NoMatchingKeyError):
        recipients = e.recipients
    if isinstance(e, UnsupportedAlgorithmError):
        oid = e.oid
    return PartProblem(path, Status(e.status), e.message, recipients, oid)


# --- the outcome ----------------------------------------------------------------------------


def with_problems(result: UnwrapResult, problems: tuple[PartProblem, ...]) -> UnwrapResult:
    """``result`` with more problems (e.g. limits the MIME model hit): outcome recomputed.

    The message stays as it is, so what could be read is still archived; a problem equal to
    one already listed (same part, same text) is not added twice.
    """
    known = {(p.part, p.detail) for p in result.problems}
    new = tuple(p for p in problems if (p.part, p.detail) not in known)
    if not new or (result.status not in ARCHIVED_STATUSES and not result.problems):
        return result  # nothing new, or nothing was opened: the outcome already says why
    state = _State(KeyStore([]), 0, [], list(result.layers), [*result.problems, *new],
                   list(result.notes))
    return _outcome(result.message, state)


def _outcome(message: bytes, state: _State) -> UnwrapResult:
    layers = tuple(state.layers)
    problems = tuple(state.problems)
    notes = tuple(dict.fromkeys(state.notes))
    if any(layer.encryption for layer in layers):
        status = Status.DECRYPTED
    elif any(layer.kind == "signed" for layer in layers):
        status = Status.SIGNED
    else:
        status = Status.PLAIN
    detail = describe_layers(layers)
    recipients: tuple[RecipientRef, ...] = ()
    oid = None
    if problems:
        first = problems[0]
        status = first.status
        recipients = first.recipients
        oid = first.oid
        problem_text = problems_text(problems)
        detail = problem_text if not layers else f"{detail} {problem_text}"
    if notes:
        detail = " ".join((detail, *notes))
    return UnwrapResult(
        message=message,
        status=status,
        detail=detail,
        layers=layers,
        problems=problems,
        recipients=recipients,
        oid=oid,
        notes=notes,
    )
