"""A ReportLab table whose row splitting always makes progress.

With ``splitInRow`` ReportLab 4-5 can split a table at the foot of a frame into a first
piece whose cells hold nothing and a rest as long as the whole; the frame then takes the
empty piece and asks the rest to split again, for ever (a damaged message with a long
status line at the bottom of a page drew pages until memory ran out).  ``Table`` here
refuses such a split, so the table moves on to the next frame instead.
"""

from __future__ import annotations

from reportlab.platypus import Table as _Table


class Table(_Table):
    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        if len(parts) >= 2 and _holds_nothing(parts[0]) \
                and len(parts[-1]._cellvalues) >= len(self._cellvalues):
            return []
        return parts


def _holds_nothing(table: _Table) -> bool:
    """True when every cell of ``table`` is empty (no text, no flowable)."""
    for row in table._cellvalues:
        for cell in row:
            if isinstance(cell, (list, tuple)):
                if cell:
                    return False
            elif cell not in (None, ""):
                return False
    return True
