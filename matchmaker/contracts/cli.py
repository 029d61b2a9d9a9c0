"""Commands of the contracts area: the online-signing authority, PKCS#12 credentials, verifying a PDF."""

import sys
from pathlib import Path

import click

from ..extensions import db


def register_cli(app):
    app.cli.add_command(signing)


@click.group("signing")
def signing():
    """Online signing (网上签约): the platform CA, organisations' PKCS#12 files, verifying a signed PDF."""


@signing.command("init-ca")
def init_ca():
    """Create the platform CA in instance/signing/ if it does not exist, and show where it is."""
    from .signing_keys import authority

    ca = authority()
    click.echo(f"平台电子合同根证书：{ca.directory / 'ca.pem'}")
    click.echo(f"SHA-256 指纹：{ca.root_fingerprint}")
    click.echo(f"私钥以 {ca.directory / 'master.key'} 加密保存；请将整个目录与数据库分开备份。")


@signing.command("use-pkcs12")
@click.argument("org_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passphrase", prompt="PKCS#12 口令", hide_input=True, default="", show_default=False)
def use_pkcs12(org_id, file, passphrase):
    """Sign for organisation ORG_ID with a licensed CA's PKCS#12 FILE from now on."""
    from ..models import Organization
    from ..signing.pades import SigningFailed
    from .signing_keys import register_pkcs12

    org = db.session.get(Organization, org_id)
    if org is None:
        raise click.ClickException(f"没有编号为 {org_id} 的单位")
    try:
        cred = register_pkcs12(org, file.read_bytes(), passphrase.encode() if passphrase else None)
    except (SigningFailed, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{org.name} 今后使用证书 {cred.subject}（序列号 {cred.serial}，有效期至 {cred.not_after:%Y-%m-%d}）签署"
    )
    click.echo("请把签发该证书的 CA 根证书加入 SIGNING_TRUST_ROOTS，验证页才会认可它。")


@signing.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(file):
    """Check every signature of a PDF against the platform CA (exit status 1 unless all are valid)."""
    from ..signing.verify import NotAPdf
    from .signing_services import (
        FAILED_UPLOAD,
        VerifierBusy,
        VerifierCrashed,
        VerifierFailed,
        china_time,
        verify_upload,
    )

    try:  # in a child process bounded in time and memory, holding a slot as an upload does: the file may be hostile
        result, match = verify_upload(file.read_bytes())
    except (NotAPdf, VerifierBusy, VerifierCrashed) as exc:
        raise click.ClickException(str(exc)) from None
    except VerifierFailed:  # logged with the child's traceback
        raise click.ClickException(FAILED_UPLOAD) from None
    for s in result.signatures:
        when = china_time(s.time).strftime("%Y-%m-%d %H:%M:%S") if s.time else "—"
        source = "时间戳" if s.time_source == "timestamp" else "自报"
        chain = "本平台签发" if s.platform_ca else ("可信CA" if s.trusted else "不可信")
        click.echo(f"{s.label}\t{s.signer}\t{s.person or '—'}\t{when}（{source}）\t{chain}\t{s.status_text}")
    for p in result.problems:
        click.echo(p)
    if match is not None:
        click.echo(f"与平台存档的合同 {match.contract.contract_no} 第 {match.version} 版完全一致")
    verdict = "验证通过：三处签名均有效" if result.complete() else ("签名有效" if result.ok else "验证未通过")
    click.echo(verdict)
    sys.exit(0 if result.ok else 1)
