"""The resume journal: append-only, fsynced, tolerant of a kill at any byte."""

from __future__ import annotations

from smime_archiver.archive.journal import JOURNAL_NAME, STATE_DIR, Journal, key_of, new_tmp_dir
from smime_archiver.archive.layout import NameReserver
from smime_archiver.model import RecipientRef, Status
from smime_archiver.outcome import MessageOutcome


def record(i: int, status=Status.DECRYPTED, pdf: str | None = None) -> MessageOutcome:
    return MessageOutcome("box.mbox", i, f"#{i}@{i * 100}", status, "ok", offset=i * 100,
                          sha256=f"{i:064x}", pdf=pdf, subject=f"Æble {i}",
                          recipients=(RecipientRef("ktri", "CN=CA", 12345),))


def test_records_survive_a_reopen(tmp_path):
    j = Journal(tmp_path, resume=False)
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "a.pdf").write_bytes(b"%PDF")
    j.append(record(0, pdf="f/a.pdf"), made={"eml": False, "attachments": False})
    j.append(record(1, Status.NO_KEY), made={"eml": False, "attachments": False})
    j.close()
    j = Journal(tmp_path, resume=True)
    assert len(j) == 2
    again = j.get(key_of(record(1)))
    assert again is not None and again.recipients[0].serial == 12345
    assert again.subject == "Æble 1" and again.status is Status.NO_KEY
    assert j.reusable(key_of(record(0)), eml=False, attachments=False) is not None
    assert j.reusable(key_of(record(0)), eml=True, attachments=False) is None  # no .eml made
    assert j.reusable(key_of(record(1)), eml=False, attachments=False) is None  # not archived
    (tmp_path / "f" / "a.pdf").unlink()
    assert j.reusable(key_of(record(0)), eml=False, attachments=False) is None  # file gone
    assert j.owned == {NameReserver.key("f", "a")}


def test_a_line_cut_off_by_a_kill_is_dropped_and_appending_goes_on(tmp_path):
    j = Journal(tmp_path, resume=False)
    j.append(record(0), made={})
    j.close()
    path = tmp_path / STATE_DIR / JOURNAL_NAME
    whole = path.read_bytes()
    j2 = Journal(tmp_path, resume=False)
    j2.append(record(1), made={})
    j2.close()
    line = path.read_bytes()
    path.write_bytes(whole + line[: len(line) // 2])  # killed in the middle of line 2
    j = Journal(tmp_path, resume=True)
    assert len(j) == 1 and path.read_bytes() == whole
    j.append(record(2), made={})
    j.close()
    assert len(Journal(tmp_path, resume=True)) == 2


def test_a_damaged_line_in_the_middle_is_skipped(tmp_path):
    j = Journal(tmp_path, resume=False)
    j.append(record(0), made={})
    j.close()
    path = tmp_path / STATE_DIR / JOURNAL_NAME
    path.write_bytes(b"{not json\n" + path.read_bytes())
    assert len(Journal(tmp_path, resume=True)) == 1


def test_without_resume_the_journal_starts_again(tmp_path):
    j = Journal(tmp_path, resume=False)
    j.append(record(0), made={})
    j.close()
    assert len(Journal(tmp_path, resume=False)) == 0


def test_new_tmp_dir_removes_leftovers(tmp_path):
    state = tmp_path / STATE_DIR
    state.mkdir()
    (state / "tmp-old").mkdir()
    (state / "tmp-old" / "w-1.tmp").write_bytes(b"half")
    fresh = new_tmp_dir(state)
    assert [p.name for p in state.iterdir() if p.name.startswith("tmp-")] == [fresh.name]


def test_lines_are_written_out_by_sync_and_readable_before_it(tmp_path):
    j = Journal(tmp_path, resume=False)
    path = tmp_path / STATE_DIR / JOURNAL_NAME
    j.append(record(0), made={})
    j.append(record(1), made={})
    assert j.get(key_of(record(0))).subject == "Æble 0"  # read back before any sync
    j.append(record(2), made={})
    j.sync()
    assert path.read_bytes().count(b"\n") == 3
    j.append(record(3), made={})
    assert j.get(key_of(record(3))).subject == "Æble 3"
    assert j.get(key_of(record(1))).subject == "Æble 1"  # offsets stay right
    j.close()
    assert len(Journal(tmp_path, resume=True)) == 4


def test_a_typed_outcome_comes_back_from_the_journal_equal(tmp_path):
    """Signatures, encryption layers and recipients are typed in the outcome; the journal
    keeps them as the report's JSON and gives back an equal outcome (resume and dedupe
    rebuild the report from it)."""
    import datetime as dt

    from smime_archiver.model import EncryptionInfo, SignatureInfo
    from smime_archiver.outcome import MessageRef

    me = RecipientRef("ktri", "CN=TRUST2408 OCES CA II, O=TRUST2408, C=DK", 0x4D2,
                      key_algorithm="rsaes_pkcs1v15")
    other = RecipientRef("kari", ski="ab12", key_algorithm="ecdh")
    when = dt.datetime(2013, 3, 4, 9, 15, 7, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    outcome = MessageOutcome(
        "box.mbox", 3, "#3@300", Status.DECRYPTED, "ok", offset=300, sha256="ab" * 32,
        pdf="box/x.pdf", eml="box/x.eml", attachments=("box/x_attachments/a.pdf",),
        signatures=(SignatureInfo(True, "valid", signer="CN=Åse", serial=99,
                                  signing_time=when, digest_algorithm="sha256",
                                  cert_not_before=when, cert_valid_at_signing=True,
                                  detached=True),
                    SignatureInfo(False, "damaged")),
        encryption=(EncryptionInfo("enveloped", "des_ede3_cbc", "1.2.840.113549.3.7",
                                   "rsaes_pkcs1v15", me, "k.p12", "CN=Åse", (me, other)),),
        duplicate_of=MessageRef("other.mbox", "#0@0"), kind="appointment", note="cut")
    j = Journal(tmp_path, resume=False)
    j.append(outcome, made={"eml": True, "attachments": True})
    j.close()
    again = Journal(tmp_path, resume=True).get(key_of(outcome))
    assert again == outcome
    assert again.to_json() == outcome.to_json()
    assert again.opened_by == "k.p12" and again.every_recipient() == (me, other)
