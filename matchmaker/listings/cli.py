"""Commands of the listings: daily expiry, search index rebuild."""

import click
from flask import current_app

from .search import ensure_search_schema, rebuild_search_index
from .services import retokenize_all


def register_cli(app):
    """Attach the listings commands."""
    app.cli.add_command(expire_listings)
    app.cli.add_command(rebuild_search)


@click.command("expire-listings")
def expire_listings():
    """Run the daily expiry now (the worker runs it at 00:10): needs and results past their validity, reminders to
    owners, import batches left unconfirmed for IMPORT_KEEP_DAYS."""
    from ..jobs.periodic import expire_daily  # here, not as the app loads (as the worker does)

    counts = expire_daily()
    click.echo(f"已过期：需求 {counts['need']} 项，成果 {counts['result']} 项；到期提醒 {counts['reminded']} 条；"
               f"超过 {current_app.config['IMPORT_KEEP_DAYS']} 天未确认的导入批次 {counts['imports']} 个")  # fmt: skip


@click.command("rebuild-search")
@click.option("--retokenize", is_flag=True, help="Tokenise every listing again (after a dictionary change).")
def rebuild_search(retokenize):
    """Create the full-text index if missing and refill it (optionally re-tokenising every listing)."""
    ensure_search_schema()
    if retokenize:
        retokenize_all()
    rebuild_search_index()
    click.echo("全文检索索引已重建")
