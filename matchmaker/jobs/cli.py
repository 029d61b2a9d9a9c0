"""flask --app matchmaker jobs list | retry"""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models.jobs import PendingJob
from .backend import run_due

jobs_cli = AppGroup("jobs", help="后台任务：查看、重试")


@jobs_cli.command("list")
def list_jobs():
    """List queued and failed jobs."""
    rows = db.session.scalars(select(PendingJob).order_by(PendingJob.id)).all()
    if not rows:
        click.echo("没有待执行或失败的任务")
    for r in rows:
        when = f"{r.next_run_at:%Y-%m-%d %H:%M:%S}" if r.next_run_at else "不再自动重试"
        click.echo(f"#{r.id} {r.status} {r.task}{tuple(r.args)} 尝试 {r.attempts} 次 下次 {when} {r.last_error[:120]}")


@jobs_cli.command("retry")
@click.option("--all", "everything", is_flag=True, help="也重试已用完重试次数的任务，并忽略等待时间")
def retry(everything):
    """Run queued jobs and failed ones due for a retry."""
    from datetime import datetime

    out = run_due(now=datetime(9999, 1, 1) if everything else None, include_exhausted=everything, limit=10_000)
    click.echo(f"已执行 {out['ran']} 个任务，失败 {out['failed']} 个")


def register_cli(app):
    """Attach the jobs commands to the app."""
    app.cli.add_command(jobs_cli)
