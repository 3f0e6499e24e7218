"""PDF previews through headless LibreOffice.

The .docx names the standard (licensed) fonts; ``templates/fonts.conf`` maps them to installed
free fonts for this subprocess only, so previews look right without pretending the fonts exist.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from models.documents.templates import TEMPLATES_DIR

FONTS_CONF = TEMPLATES_DIR / "fonts.conf"


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def render_pdf(docx: bytes, *, timeout: float = 60) -> bytes | None:
    """Convert .docx bytes to PDF bytes; None when LibreOffice is not installed.

    Each call uses its own LibreOffice profile directory so parallel conversions (other workers,
    tests) never fight over a shared profile lock. Raises RuntimeError if the conversion fails.
    """
    got = render_pdfs({"notice": docx}, timeout=timeout)
    return None if got is None else got["notice"]


def render_pdfs(documents: dict[str, bytes], *, timeout: float = 180) -> dict[str, bytes] | None:
    """Convert several .docx at once (one LibreOffice start); keys are file stems (letters, digits, -)."""
    soffice = soffice_path()
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="notice-pdf-") as tmp:
        work = Path(tmp)
        sources = []
        for stem, docx in documents.items():
            if not stem.replace("-", "").isalnum():
                raise ValueError(f"bad document name {stem!r}")
            sources.append(work / f"{stem}.docx")
            sources[-1].write_bytes(docx)
        env = {**os.environ, "HOME": str(work)}
        if FONTS_CONF.is_file():
            env["FONTCONFIG_FILE"] = str(FONTS_CONF)
        cmd = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work), *map(str, sources)]
        try:
            result = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"LibreOffice timed out after {timeout}s") from exc
        out = {}
        for stem in documents:
            target = work / f"{stem}.pdf"
            if not target.is_file():
                raise RuntimeError(f"LibreOffice failed ({result.returncode}): "
                                   f"{result.stderr.decode(errors='replace')}")
            out[stem] = target.read_bytes()
        return out
