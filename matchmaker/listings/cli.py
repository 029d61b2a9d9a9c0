"""Commands of the listings: daily expiry, search index rebuild."""

import click

from .search import ensure_search_schema, rebuild_search_index
from .services import expire_due, remind_expiring, retokenize_all


def register_cli(app):
    """Attach the listings commands."""
    app.cli.add_command(expire_listings)
    app.cli.add_command(rebuild_search)


@click.command("expire-listings")
def expire_listings():
    """Expire needs and results past their validity and remind owners (run daily, e.g. from cron)."""
    counts = expire_due()
    reminded = remind_expiring()
    click.echo(f"已过期：需求 {counts['need']} 项，成果 {counts['result']} 项；到期提醒 {reminded} 条")


@click.command("rebuild-search")
@click.option("--retokenize", is_flag=True, help="Tokenise every listing again (after a dictionary change).")
def rebuild_search(retokenize):
    """Create the full-text index if missing and refill it (optionally re-tokenising every listing)."""
    ensure_search_schema()
    if retokenize:
        retokenize_all()
    rebuild_search_index()
    click.echo("全文检索索引已重建")
