"""Backup and restore: SQLite's online backup API, pg_dump / pg_restore for PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 -- runs pg_dump/pg_restore with an argument list, never a shell
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that could not be done, with a message for the operator."""


def _pg_args(url):
    """libpq connection arguments and environment for a PostgreSQL URL."""
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, u.database, env


def _tool(name):
    path = shutil.which(name)
    if not path:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具")
    return path


def backup(url, target):
    """Write a consistent copy of the database at ``url`` to the file ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        src = sqlite3.connect(u.database)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)  # online: readers and writers may go on meanwhile
        finally:
            src.close()
            dst.close()
        return target
    if u.get_backend_name() == "postgresql":
        args, dbname, env = _pg_args(url)
        cmd = [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "-f", str(target), dbname]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603
        if proc.returncode != 0:
            raise BackupError(f"pg_dump 失败：{proc.stderr.strip()}")
        return target
    raise BackupError(f"不支持的数据库类型：{u.get_backend_name()}")


def restore(url, source):
    """Replace the contents of the database at ``url`` with the backup file ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"备份文件不存在：{source}")
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        src = sqlite3.connect(source)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("备份文件已损坏（完整性检查未通过）")
            dst = sqlite3.connect(u.database)
            try:
                with dst:
                    src.backup(dst)
            finally:
                dst.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"不是有效的 SQLite 备份文件：{exc}") from None
        finally:
            src.close()
        return
    if u.get_backend_name() == "postgresql":
        args, dbname, env = _pg_args(url)
        cmd = [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "--single-transaction",
               "-d", dbname, str(source)]  # fmt: skip
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603
        if proc.returncode != 0:
            raise BackupError(f"pg_restore 失败：{proc.stderr.strip()}")
        return
    raise BackupError(f"不支持的数据库类型：{u.get_backend_name()}")
