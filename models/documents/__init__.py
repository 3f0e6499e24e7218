"""Formal documents (公文) per GB/T 9704-2012: notice kinds, 文号, .docx layout, PDF preview.

Pure: no database, Prefect or Streamlit. The service layer allocates numbers and passes plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.documents.checks import Findings, check
from models.documents.context import NoticeContext
from models.documents.kinds import KINDS, KindSpec, build_content
from models.documents.kinds import notice_title as _title
from models.documents.layout import compose
from models.documents.pdf import render_pdf
from models.documents.templates import NoticeTemplate
from models.documents.templates import load_template as _load
from models.documents.text import DOC_NUMBER_RE, cn_date, format_doc_number, sanitize

__all__ = [
    "DOC_NUMBER_RE", "KINDS", "Draft", "Findings", "KindSpec", "NoticeContext", "NoticeTemplate", "cn_date",
    "draft", "format_doc_number", "load_template", "notice_title", "render_notice", "render_pdf", "sanitize",
]


def _spec(kind: str) -> KindSpec:
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}; known: {', '.join(KINDS)}")
    return KINDS[kind]


def load_template(kind: str, templates_dir: Path | None = None, *, agencies: dict[str, Any] | None = None) -> NoticeTemplate:
    """Template for ``kind`` from ``templates/notices/<kind>.toml`` + the agency settings
    (``agencies`` as stored by the office, else ``_agency.toml``)."""
    return _load(kind, templates_dir, default_agency=_spec(kind).agency, agencies=agencies)


def notice_title(kind: str, context: NoticeContext, template: NoticeTemplate | None = None) -> str:
    _spec(kind)
    return _title(kind, context, template or load_template(kind))


def render_notice(kind: str, context: NoticeContext, template: NoticeTemplate | None = None) -> bytes:
    """The .docx bytes of one notice; ``context.doc_number`` None renders a preview."""
    _spec(kind)
    return compose(build_content(kind, context, template or load_template(kind)))


@dataclass
class Draft:
    """A laid-out notice with what the issuer must know: placeholders refuse, warnings ask, notes tell."""

    title: str
    recipients: list[str]
    issuer: str
    docx: bytes
    findings: Findings


def draft(kind: str, context: NoticeContext, template: NoticeTemplate | None = None) -> Draft:
    _spec(kind)
    content = build_content(kind, context, template or load_template(kind))
    return Draft(content.title, list(content.recipients), content.issuer, compose(content),
                 check(content, context.data))
