"""The archive stage: what the output folder holds and how it gets there.

- :mod:`.names`: the one strict sanitizer for every name written (PDF, .eml, folder,
  attachment), and the ``YYYY-MM-DD_HHMM_<sender>_<subject>`` stem;
- :mod:`.layout`: a folder per mailbox mirroring the input; collision-free stems;
- :mod:`.journal`: the resume journal (append-only, fsynced per batch);
- :mod:`.durable`: syncfs/fsync of a batch's files, atomic single-file writes;
- :mod:`.writer`: :class:`~.writer.ArchiveWriter`, which commits a job's outcomes in
  report order (names, journal, sync, renames) and writes the reports at the end;
- :mod:`.summary`: the job's account (:class:`~smime_archiver.outcome.JobSummary`);
- :mod:`.report` (``report.json``) and :mod:`.report_csv` (``report.csv``).

Imports run one way: writer -> report -> report_csv; writer -> journal -> layout -> names.
"""
