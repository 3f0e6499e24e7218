"""Notice previews: .docx → PDF (LibreOffice, via models.documents) → page images (pdftoppm) when available."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import streamlit as st

from models.documents import render_pdf


@st.cache_data(ttl=600, show_spinner=False, max_entries=20)
def pdf_of(docx: bytes) -> bytes | None:
    """None when LibreOffice is not installed or the conversion fails (the .docx is still offered)."""
    try:
        return render_pdf(docx, timeout=90)
    except RuntimeError:
        return None


@st.cache_data(ttl=600, show_spinner=False, max_entries=20)
def page_images(pdf: bytes, *, max_pages: int = 4) -> list[bytes]:
    tool = shutil.which("pdftoppm")
    if tool is None:
        return []
    with tempfile.TemporaryDirectory(prefix="notice-png-") as tmp:
        source = Path(tmp) / "notice.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run([tool, "-png", "-r", "80", "-l", str(max_pages), str(source), str(Path(tmp) / "page")],
                           capture_output=True, timeout=60, check=True)
        except (subprocess.SubprocessError, OSError):
            return []
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"))]
