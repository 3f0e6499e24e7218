"""Operations commands: ``reform backup`` and ``reform restore`` (等保 数据备份恢复).

The logic lives in ``models.services.backup``; these only parse options, print results and map errors
to exit code 2 (the restore drill's verification failures included), never a stack trace.
"""
from __future__ import annotations

from pathlib import Path

import typer

from ui.cli.common import friendly


@friendly
def backup_cmd(out: Path = typer.Option(None, "--out", help="备份目录（默认 REFORM_HOME/backups）")) -> None:
    """Consistent online backup of the database and stored files, with a manifest (在线备份)."""
    import json
    import tarfile

    from models.services.actor import Actor
    from models.services.backup import MANIFEST, backup

    archive = backup(out, actor=Actor.system("cli"))
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member else {}
    rows = sum(manifest.get("tables", {}).values())
    typer.echo(f"备份完成：{archive}")
    typer.echo(f"  数据库 {manifest.get('backend')}，{len(manifest.get('tables', {}))} 张表 {rows} 行；"
               f"文件 {manifest.get('files')} 个；审计链末端 #{manifest.get('audit_head', {}).get('last_id')}")


@friendly
def restore_cmd(archive: Path = typer.Argument(..., help="reform backup 生成的 .tar.gz"),
                force: bool = typer.Option(False, "--force", help="目标非空时仍覆盖")) -> None:
    """Restore a backup into an empty instance, then verify row counts and the audit chain (恢复)."""
    from models.services.actor import Actor
    from models.services.backup import restore

    report = restore(archive, force=force, actor=Actor.system("cli"))
    typer.echo(f"恢复完成：{sum(report.tables.values())} 行，{report.files} 个文件；"
               f"审计链校验通过（{report.audit_checked} 条）")


@friendly
def recover_cmd() -> None:
    """Finish or discard what killed processes left (staged and orphan files, "running" run records) (启动清理)."""
    from models.services.startup import recover

    stats = recover()
    typer.echo(f"清理完成：补全文件 {stats['published']} 个，删除未提交文件 {stats['removed_staged']} 个、"
               f"残留临时文件 {stats['removed_partial']} 个、无主文件 {stats['removed_orphans']} 个；"
               f"关闭中断的运行记录 {stats['closed_runs']} 条")
