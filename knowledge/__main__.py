"""``python -m knowledge build|check``: build the database, or only validate the data."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.engine import make_url

from knowledge.db import VAR_DIR, knowledge_url
from knowledge.loader import KnowledgeError, build, read_dataset, validate, write_jieba_userdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL or var/knowledge.db)")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            ds = read_dataset()
            validate(ds)
        else:
            ds = build(args.url)
            write_jieba_userdict(ds, VAR_DIR / "jieba_userdict" / "terms.txt")
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    counts = ", ".join(f"{k}={len(v)}" for k, v in sorted(ds.records.items()))
    target = make_url(args.url or knowledge_url()).render_as_string(hide_password=True)
    where = "" if args.command == "check" else f" -> {target}"
    print(f"knowledge {args.command} ok: {counts}{where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
