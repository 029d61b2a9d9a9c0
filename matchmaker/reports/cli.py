"""The ``report`` command: the same report as the page, as text, .xlsx or CSV."""

from pathlib import Path

import click

from . import services
from .export import to_csv, to_text, to_xlsx


def register_cli(app):
    """Attach the report command."""
    app.cli.add_command(report)
    app.cli.add_command(report_rebuild)


@click.command("report")
@click.option("--from", "start", default="", help="开始日期 YYYY-MM-DD（含）")
@click.option("--to", "end", default="", help="结束日期 YYYY-MM-DD（含）")
@click.option("--format", "fmt", type=click.Choice(["text", "xlsx", "csv"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="写入文件（xlsx 默认自动命名）")
def report(start, end, fmt, output):
    """Print or write the contract report for a period (both ends included)."""
    try:
        period = services.parse_period(start, end)
    except services.PeriodError as exc:
        raise click.ClickException(str(exc)) from None
    data = services.build_report(period)
    if fmt == "xlsx":
        path = Path(output or f"report_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx")
        path.write_bytes(to_xlsx(data))
        click.echo(f"已写入 {path}")
        return
    body = to_csv(data) if fmt == "csv" else to_text(data).encode("utf-8")
    if output:
        Path(output).write_bytes(body)
        click.echo(f"已写入 {output}")
    else:
        click.echo(body.decode("utf-8-sig"), nl=False)


@click.command("report-rebuild")
def report_rebuild():
    """Recompute the kept monthly contract totals from the contracts (after writes made outside the app)."""
    from . import summary

    summary.rebuild()
    click.echo("已按合同重新计算各月统计")
