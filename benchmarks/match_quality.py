"""Quality figures on DEV through match_eval and the platform adapter, as JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def main() -> None:
    """Run match_eval with benchmarks/csl_adapter.py on DEV and print the two headline figures."""
    cmd = [
        sys.executable,
        str(SHARED / "tools" / "match_eval.py"),
        "--data",
        str(SHARED / "data" / "csl_dev.jsonl"),
        "--matcher",
        "benchmarks/csl_adapter.py:match",
    ]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout  # noqa: S603
    res = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(res, ensure_ascii=False), file=sys.stderr)
    for name, key, target in [
        ("match_p10_disc_excl_self_dev", "p@10_disc_excl_self", ">= 0.37"),
        ("match_mrr10_dev", "mrr@10", ">= 0.99"),
    ]:
        print(json.dumps({"name": name, "value": res[key], "unit": "share", "target": target}))


if __name__ == "__main__":
    main()
