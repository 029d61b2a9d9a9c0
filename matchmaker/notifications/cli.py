"""Notification commands: the daily digest."""

import click

from ..jobs.periodic import stale_reminders_today
from .services import send_digest


def register_cli(app):
    """Attach the notification commands."""
    app.cli.add_command(digest)


# Not "digest": Flask-Static-Digest registers `flask digest` (compile/clean) as a plugin command,
# and Flask resolves plugin commands before the app's own.
@click.command("send-digest")
@click.option("--base-url", default="", help="Site address put before links, e.g. https://kjcg.example.gov.cn")
def digest(base_url):
    """Send each user one e-mail with their new notifications (logged when MAIL_SERVER is unset)."""
    if stale_reminders_today() is None:  # brokers' reminders go out in the same digest, once a day
        click.echo("今日的经纪人逾期提醒已发送，本次不再发送")
    run = send_digest(base_url=base_url.rstrip("/"))
    click.echo(f"通知摘要：{run.users} 位用户，{run.notes} 条通知")
    if run.failed_users:  # their notes stay to be sent by the next run; a non-zero exit tells cron
        click.echo(f"{run.failed_users} 位用户的邮件发送失败（{run.failed_notes} 条通知），下次发送时重试", err=True)
        raise SystemExit(1)
