"""`reform db upgrade`."""
from __future__ import annotations

import typer

from ui.cli.common import friendly


@friendly
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version (建立/升级数据库)."""
    from models.migrate import current, upgrade

    upgrade()
    typer.echo(f"数据库已是最新版本：{current()}")
