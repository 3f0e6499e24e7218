"""LibreOffice render check: the notice converts to PDF, shows its title and number, and the
red mark lands ≈35 mm below the 版心 top. PNG previews of page 1 go to test-artifacts/."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from models.demo.notice_samples import sample_context
from models.documents import load_template, notice_title, render_notice, render_pdf

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
pytestmark = pytest.mark.usefixtures("libreoffice", "poppler")


def test_issue_plan_renders_to_pdf_with_preview(tmp_path: Path) -> None:
    kind = "issue-plan"
    ctx = sample_context(kind, code=load_template(kind).code)
    pdf = render_pdf(render_notice(kind, ctx), timeout=60)
    assert pdf is not None and pdf.startswith(b"%PDF")
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 3 <= pages <= 6  # body + signature, then the task table 附件 on its own pages
    plain = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    squashed = "".join(plain.split())
    assert "".join(ctx.doc_number.split()) in squashed
    assert "".join(notice_title(kind, ctx).split()) in squashed
    assert "—1—" in squashed and "附件" in squashed

    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / kind
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "1", str(path), str(prefix)], check=True)
    png = next(ARTIFACTS.glob(f"{kind}-*1.png"))
    from PIL import Image

    image = Image.open(png).convert("RGB")
    width, height = image.size
    px = image.load()
    red_rows = [y for y in range(height)
                if any(px[x, y][0] > 200 and px[x, y][1] < 90 and px[x, y][2] < 90 for x in range(0, width, 2))]
    mm = 297 / height
    assert red_rows, "no red mark rendered"
    assert abs(red_rows[0] * mm - 72) <= 3  # 标志 glyph top: 37 mm margin + 35 mm
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts  # substituted free fonts are embedded (previews only; the .docx names 仿宋_GB2312)
