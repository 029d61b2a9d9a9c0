"""backup / restore commands."""

from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from ..extensions import db
from .backup import BackupError, backup, restore


def _url():
    return db.engine.url.render_as_string(hide_password=False)


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="备份文件（默认 instance/backups/…）")
def backup_cmd(output):
    """Back up the database (SQLite online backup, pg_dump for PostgreSQL)."""
    if not output:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        ext = "sqlite" if db.engine.dialect.name == "sqlite" else "dump"
        output = Path(current_app.instance_path) / "backups" / f"matchmaker-{stamp}.{ext}"
    try:
        path = backup(_url(), output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已备份到 {path}")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="不再确认")
def restore_cmd(source, yes):
    """Restore the database from a backup file (replaces current data)."""
    if not yes:
        click.confirm("恢复将覆盖当前数据库中的全部数据，确定继续吗？", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(_url(), source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("已从备份恢复")


def register_cli(app):
    app.cli.add_command(backup_cmd)
    app.cli.add_command(restore_cmd)
