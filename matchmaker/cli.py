"""Command-line interface: flask --app matchmaker <command>."""

import click
from flask import current_app

from .extensions import db


def register(app):
    """Attach the commands to the app."""
    app.cli.add_command(init_db)
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    # Areas add their own commands through a register_cli(app) function.
    from .brokers import cli as brokers_cli
    from .classes import cli as classes_cli
    from .contracts import cli as contracts_cli
    from .jobs import cli as jobs_cli
    from .listings import cli as listings_cli
    from .notifications import cli as notifications_cli
    from .ops import cli as ops_cli
    from .reports import cli as reports_cli
    from .suggestions import cli as suggestions_cli

    areas = (listings_cli, suggestions_cli, brokers_cli, contracts_cli, reports_cli, notifications_cli, ops_cli)
    for area in (*areas, jobs_cli, classes_cli):
        area.register_cli(app)


def upgrade_schema():
    """Bring the schema to the newest migration (creates it on an empty database)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@click.command("init-db")
@click.option("--warm-up/--no-warm-up", default=True, help="Compile the matching engine's loops now (default).")
def init_db(warm_up):
    """Create or upgrade the database schema and the maintained lists, and compile the matching engine."""
    from .demo.taxonomy import ensure_taxonomy

    upgrade_schema()
    ensure_taxonomy()
    click.echo("数据库已就绪")
    from .contracts.signing_keys import authority

    ca = authority()  # the online-signing CA, created once in instance/signing/
    click.echo(f"电子合同根证书：{ca.directory / 'ca.pem'}（SHA-256 {ca.root_fingerprint[:16]}…）")
    if warm_up:  # else a new install's first matching compiles inside the job consumer (about a minute)
        from .matching import engine

        click.echo("正在准备匹配引擎（首次安装约需 1 分钟，之后几秒）…")
        engine.warm_up()
        click.echo("匹配引擎已就绪")


@click.command("create-admin")
@click.option("--email", prompt="邮箱")
@click.option("--name", prompt="姓名", default="管理员")
@click.password_option("--password", prompt="密码", confirmation_prompt="再次输入密码")
def create_admin(email, name, password):
    """Create an administrator account."""
    from .auth.passwords import problem
    from .auth.services import AccountError, create_user
    from .models import Role

    if problem(password):
        raise click.ClickException(problem(password))
    try:
        user = create_user(role=Role.ADMIN, email=email, name=name, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已创建管理员 {user.email}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users (for make run).")
def demo(if_empty):
    """Fill an empty database with a realistic demonstration."""
    from .demo import database_is_empty, run_demo

    # The demo's follow-up jobs (hundreds of listings' suggestions) run here, not left for the consumer.
    current_app.config["JOBS_IMMEDIATE"] = True
    upgrade_schema()
    if not database_is_empty():
        if if_empty:
            click.echo("数据库已有数据，跳过演示数据")
            return
        raise click.ClickException("数据库不是空的：演示数据只能写入空数据库（删除 instance/matchmaker.sqlite 后重试）")
    # Compiled first, as init-db does: else the demo's fit compiles inside its job, and 匹配引擎's 上次重建 says a
    # refit of 190 listings took 75 s (about 1 s of it the fit).
    from .matching import engine

    click.echo("正在准备匹配引擎（首次安装约需 1 分钟，之后几秒）…")
    engine.warm_up()
    run_demo(echo=click.echo)
    db.session.commit()
    click.echo("演示数据已生成")
