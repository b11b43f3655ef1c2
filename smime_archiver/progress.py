"""Progress for the command line: a bar on a terminal, plain periodic lines otherwise.

On a terminal (stderr is a TTY) a ``tqdm`` bar shows the share of the input read, messages
done, messages per second and the time left.  When stderr is not a terminal (a log file,
a pipe, a scheduled task) one plain line is printed every ``interval`` seconds instead.
``quiet`` shows nothing.  Lines about single messages go through :meth:`Progress.line`,
so they never tear the bar.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from smime_archiver.i18n import _
from smime_archiver.job import JobProgress
from smime_archiver.termsafe import shown


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def eta_seconds(p: JobProgress) -> float | None:
    """Time left, from the share of the input bytes read so far."""
    if not p.bytes_total or p.bytes_done <= 0 or p.elapsed <= 0:
        return None
    share = min(1.0, p.bytes_done / p.bytes_total)
    if share <= 0.0:
        return None
    return p.elapsed * (1 - share) / share


def plain_line(p: JobProgress) -> str:
    rate = p.done / p.elapsed if p.elapsed > 0 else 0.0
    text = _("{done} messages done ({archived} archived, {problems} not archived), "
             "{rate:.1f} messages/s").format(done=p.done, archived=p.archived,
                                             problems=p.problems, rate=rate)
    eta = eta_seconds(p)
    if p.bytes_total:
        share = min(100, int(100 * p.bytes_done / p.bytes_total))
        text += _(", {percent}% of the input read").format(percent=share)
    if eta is not None:
        text += _(", about {time} left").format(time=format_duration(eta))
    return text


class Progress:
    """Shows :class:`JobProgress` updates; call :meth:`close` at the end."""

    def __init__(self, *, quiet: bool = False, stream: IO[str] | None = None,
                 tty: bool | None = None, interval: float = 10.0):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.tty = isatty() if tty is None else tty
        self.interval = interval
        self._last = time.monotonic()
        self._bar: Any = None
        self._last_progress: JobProgress | None = None

    def update(self, p: JobProgress) -> None:
        self._last_progress = p
        if self.quiet:
            return
        if self.tty:
            self._update_bar(p)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            print(plain_line(p), file=self.stream, flush=True)

    def _update_bar(self, p: JobProgress) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=None, unit="B", unit_scale=True, unit_divisor=1024,
                             file=self.stream, dynamic_ncols=True, leave=True,
                             desc=_("Archiving"), smoothing=0.05)
        bar = self._bar
        if p.bytes_total and bar.total != max(p.bytes_total, p.bytes_done):
            bar.total = max(p.bytes_total, p.bytes_done)
        bar.n = p.bytes_done
        rate = p.done / p.elapsed if p.elapsed > 0 else 0.0
        bar.set_postfix_str(_("{done} messages, {rate:.1f}/s").format(done=p.done, rate=rate),
                            refresh=False)
        bar.refresh()

    def line(self, text: str, *, err: bool = False) -> None:
        """Print one line (about one message) without breaking the bar."""
        stream = sys.stderr if err else sys.stdout
        text = shown(text)
        if self._bar is not None:
            self._bar.write(text, file=stream)
        else:
            print(text, file=stream)

    def close(self) -> None:
        if self._bar is not None:
            if self._bar.total:
                self._bar.n = self._bar.total
            self._bar.refresh()
            self._bar.close()
            self._bar = None
        elif self._last_progress is not None and not self.quiet and not self.tty:
            print(plain_line(self._last_progress), file=self.stream, flush=True)
