"""Render page 1 and the last page of every notice kind (demo data, 清河县) for the README.

    .venv/bin/python scripts/notice_screenshots.py      # writes docs/screenshots/notices/<kind>-first.png / -last.png
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.demo.notice_samples import sample_context  # noqa: E402
from models.documents import KINDS, load_template, render_notice  # noqa: E402
from models.documents.pdf import render_pdfs  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "notices"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    docs = {kind: render_notice(kind, sample_context(kind, code=load_template(kind).code)) for kind in KINDS}
    pdfs = render_pdfs(docs)
    if pdfs is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, pdf in pdfs.items():
            path = Path(tmp) / f"{kind}.pdf"
            path.write_bytes(pdf)
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
            pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
            for label, page in (("first", 1), ("last", pages)):
                prefix = Path(tmp) / f"{kind}-{label}"
                subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                                str(path), str(prefix)], check=True)
                image = Image.open(f"{prefix}.png").convert("RGB").quantize(colors=32)
                image.save(OUT / f"{kind}-{label}.png", optimize=True)
            print(f"{kind}: {pages} pages")


if __name__ == "__main__":
    main()
