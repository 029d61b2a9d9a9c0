"""flask --app matchmaker jobs list | retry, and flask --app matchmaker worker (a consumer)."""

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models.jobs import PendingJob
from . import queue
from .backend import immediate, run_due

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


@click.command("worker")
@click.option("-w", "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--no-periodic", is_flag=True, help="Leave the periodic jobs to other consumers.")
def worker(workers, no_periodic):
    """Run a job consumer (Huey) until stopped: queued jobs, retries and the periodic jobs."""
    from . import periodic  # noqa: F401  (registers the periodic jobs with the queue)

    app = current_app._get_current_object()
    if immediate(app):
        raise click.ClickException("JOBS_IMMEDIATE 已开启：任务在提交后直接执行，无需后台任务进程")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    click.echo(f"后台任务进程：队列 {queue.backend_name()}（{queue.huey.name}），{workers} 个线程")
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=not no_periodic, check_worker_health=True
    )
    consumer.run()


def register_cli(app):
    """Attach the jobs commands to the app."""
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker)
