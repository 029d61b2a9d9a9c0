"""Brokers' commands: export the decisions for the matching benchmarks."""

import json

import click

from .queries import feedback_rows


def register_cli(app):
    """Attach the brokers' commands."""
    app.cli.add_command(feedback_export)


@click.command("feedback-export")
@click.option(
    "--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="JSON lines file (default stdout)"
)
def feedback_export(output):
    """Write every decided pair (accepted, rejected with its coded reason, responses) as JSON lines."""
    n = 0
    for row in feedback_rows():
        output.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    click.echo(f"已导出 {n} 条经纪人决策", err=True)
