"""A second worker process for the multi-process tests: answers one JSON line per command.

Commands (stdin): ``version`` (index version this process uses after its refresh),
``match NEED_ID`` (live result ids for a need), ``tokenize TEXT``.
"""

import json
import sys


def main():
    from matchmaker import create_app

    app = create_app(json.loads(sys.argv[1]))
    with app.app_context():
        from matchmaker.extensions import db
        from matchmaker.matching.tokenize import tokenize
        from matchmaker.suggestions import indexing, services

        print(json.dumps("ready"), flush=True)
        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(" ")
            db.session.rollback()  # a fresh transaction sees the other process's commits
            if cmd == "version":
                out = indexing.get_engine().version_
            elif cmd == "match":
                found = services.match_listing("need", int(arg))
                out = [r.id for r, _ in found[1]] if found else None
            elif cmd == "tokenize":
                out = tokenize(arg)
            else:
                out = f"unknown {cmd}"
            print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
