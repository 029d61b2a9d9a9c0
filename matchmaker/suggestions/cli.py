"""Commands: rebuild-index (full refit with a progress bar) and match NEED_ID."""

import click

from . import services

STAGES = {
    "load": "读取需求与成果", "tokenize": "分词", "vectorize": "构建词表", "semantic": "语义空间",
    "index": "建立索引", "suggest": "计算匹配建议", "save": "保存索引",
}  # fmt: skip


class _Bars:
    """One click progress bar per stage of the refit."""

    def __init__(self):
        self.stage, self.bar, self.pos = None, None, 0

    def __call__(self, stage, done, total):
        if stage != self.stage:
            self.close()
            if stage not in STAGES:
                return
            self.stage, self.pos = stage, 0
            self.bar = click.progressbar(length=max(total, 1), label=f"{STAGES[stage]:<8}", show_pos=total > 1)
            self.bar.__enter__()
        if self.bar is not None and total:
            self.bar.length = max(total, 1)
            if done > self.pos:
                self.bar.update(done - self.pos)
                self.pos = done

    def close(self):
        if self.bar is not None:
            if self.pos < self.bar.length:
                self.bar.update(self.bar.length - self.pos)
            self.bar.__exit__(None, None, None)
        self.stage, self.bar = None, None


@click.command("rebuild-index")
@click.option("--no-suggest", is_flag=True, help="Refit only; do not recompute stored suggestions.")
def rebuild_index(no_suggest):
    """Refit the matching index (vocabulary, IDF) over every published listing and re-suggest."""
    bars = _Bars()
    try:
        engine = services.rebuild(trigger="cli", progress=bars, suggest=not no_suggest)
    except services.RefitBusy as busy:
        raise click.ClickException(
            f"已有索引重建任务（{busy.job.id if busy.job else '?'}）在排队或运行，请稍后再试"
        ) from None
    finally:
        bars.close()
    s = engine.stats()
    click.echo(
        f"索引已重建：需求 {s['needs']} 条，成果 {s['results']} 条，词表 {s['vocabulary']} 项，"
        f"版本 {s['version']}，用时 {s['fit_seconds']} 秒"
    )


@click.command("match")
@click.argument("need_id", type=int)
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100), help="How many results.")
def match(need_id, top):
    """Print the top suggested results of a need with their reasons."""
    found = services.match_listing("need", need_id, top_k=top)
    if found is None:
        raise click.ClickException(f"需求 {need_id} 不存在")
    need, hits = found
    click.echo(f"需求 {need.id}：{need.title}（{need.status_label}）")
    if not hits:
        click.echo("没有匹配的成果")
        return
    limit = services.threshold()
    for rank, (result, m) in enumerate(hits, 1):
        mark = "" if m.score >= limit else "  (低于阈值)"
        click.echo(f"{rank:>2}. [{m.score:.3f}] 成果 {result.id}：{result.title}{mark}")
        reasons = "、".join(f"{t}({w:.3f})" for t, w in m.reasons)
        click.echo(f"    理由：{reasons or '无'}")


def register_cli(app):
    """Attach the suggestions commands."""
    app.cli.add_command(rebuild_index)
    app.cli.add_command(match)
