"""`reform audit verify`."""
from __future__ import annotations

import typer

from ui.cli.common import friendly


@friendly
def audit_verify() -> None:
    """Verify the audit hash chain; exit code 1 when any row was modified or deleted (审计链校验)."""
    from models.db import read_session
    from models.services.audit import verify

    with read_session() as session:
        result = verify(session)
    if result.ok:
        typer.echo(f"审计链完整：已校验 {result.checked} 条记录")
        return
    for problem in result.problems:
        typer.echo(problem, err=True)
    raise typer.Exit(1)
