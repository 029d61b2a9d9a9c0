"""Notification commands: the daily digest."""

import click

from ..brokers.services import remind_stale
from .services import run_digest


def register_cli(app):
    """Attach the notification commands."""
    app.cli.add_command(digest)


# Not "digest": Flask-Static-Digest registers `flask digest` (compile/clean) as a plugin command,
# and Flask resolves plugin commands before the app's own.
@click.command("send-digest")
@click.option("--base-url", default="", help="Site address put before links, e.g. https://kjcg.example.gov.cn")
def digest(base_url):
    """Send each user one e-mail with their new notifications (logged when MAIL_SERVER is unset)."""
    remind_stale()  # brokers' reminders go out in the same digest
    users, notes = run_digest(base_url=base_url.rstrip("/"))
    click.echo(f"通知摘要：{users} 位用户，{notes} 条通知")
