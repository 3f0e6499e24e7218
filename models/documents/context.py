"""What the service layer passes in: the number, the date and the subject data of one notice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class NoticeContext:
    """``doc_number`` None means a preview: a placeholder that can never pass for a real 文号."""

    doc_number: str | None
    issue_date: date
    data: dict[str, Any] = field(default_factory=dict)
    recipients: list[str] | None = None  # overrides the template's 主送
    cc: list[str] | None = None  # overrides the template's 抄送
    extra_body: str | None = None  # office-edited free text appended to the body
