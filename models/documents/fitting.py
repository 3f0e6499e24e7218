"""Where the closing paragraph of a 公文 ends on its page, estimated before any layout engine runs.

Every body line has an exact height (LINE_PITCH) and both Word and LibreOffice apply the same two-line
widow/orphan rule (set explicitly in the base styles), so the page on which the last body paragraph ends —
and how much room is left under it for 附件说明, 署名 and 成文日期 — can be computed from character
counts. The count is uncertain by about a line (Latin digits are wider in some faces, closing punctuation
may hang in the margin), so it is made twice, with narrow and with wide digits, and callers keep a
margin: the decisions it drives (tighten the blank lines above the 署名, keep the end of the body with it)
are the ones whose failure is harmless when the estimate is off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.documents.ooxml import LINE_PITCH

PAGE = 12756  # twips: 版心 225 mm
LINES_PER_PAGE = PAGE // LINE_PITCH  # 22


@dataclass(frozen=True)
class Para:
    """A paragraph as the paginator sees it: line count and pitch, whether it may split or must move on."""

    lines: int
    pitch: int = LINE_PITCH
    split: bool = True  # False: one unit (images, keepLines)
    keep_next: bool = False


@dataclass(frozen=True)
class End:
    """Where the last paragraph ended: its page (0-based), twips used on that page, its lines on that page."""

    page: int
    used: int
    last_lines: int

    @property
    def free(self) -> int:
        return PAGE - self.used


def paginate(paras: list[Para], start: int = 0) -> End:
    """Lay the paragraphs down page by page from ``start`` twips used on page 0 (two-line widow/orphan
    control, keep-with-next for single headings); returns where the last one ends."""
    page, used, last = 0, start, 0
    for i, p in enumerate(paras):
        height = p.lines * p.pitch
        follower = paras[i + 1] if i + 1 < len(paras) else None
        need = height + (min(2, follower.lines) * follower.pitch if p.keep_next and follower else 0)
        if used + need <= PAGE:
            used, last = used + height, p.lines
            continue
        room = (PAGE - used) // p.pitch  # lines of it that fit here
        if p.split and p.lines >= 4 and room >= 2 and not p.keep_next:
            here = min(room, p.lines - 2)  # at least two lines on each side
            rest = p.lines - here
        else:
            rest = p.lines  # moves whole to the next page
        page += 1
        per_page = PAGE // p.pitch
        while rest > per_page:
            page, rest = page + 1, rest - per_page
        used, last = rest * p.pitch, rest
    return End(page, used, last)


def lines_of(width: float, chars: int, indent: float = 0) -> int:
    return max(1, math.ceil((width + indent) / chars - 1e-9))
