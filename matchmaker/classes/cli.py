"""Live-class commands: reminders now (the consumers send them hourly: jobs/periodic.py)."""

import click
from flask.cli import with_appcontext


def register_cli(app):
    """Attach the live-class commands."""
    app.cli.add_command(classes)


@click.group("classes")
def classes():
    """Live classes and online matchmaking sessions."""


@classes.command("remind")
@click.option("--hours", default=24, show_default=True, help="Remind of sessions starting within this many hours.")
@with_appcontext
def remind(hours):
    """Notify registered users of sessions starting soon (once each; e-mailed with the digest)."""
    from .services import send_reminders

    click.echo(f"已提醒 {send_reminders(hours)} 人次")
