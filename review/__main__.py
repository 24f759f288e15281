"""``python -m review migrate|purge|export``.

purge   delete captured turns older than the retention period (REVIEW_RETENTION_DAYS,
        default 90; or --days) and the labels nothing uses any more
export  write the labelled groups as Rasa NLU YAML (default var/review/review_nlu.yml)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from review.export import write_export
from review.store import ReviewStore, retention_days


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL, "
                                      "else var/applications.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the tables")
    purge = sub.add_parser("purge", help="delete what is older than the retention period")
    purge.add_argument("--days", type=int, help=f"keep this many days (default "
                                                f"{retention_days()})")
    export = sub.add_parser("export", help="labelled groups as Rasa NLU YAML")
    export.add_argument("--out", type=Path, help="default var/review/review_nlu.yml")
    args = parser.parse_args(argv)

    store = ReviewStore(args.url)
    store.migrate()
    if args.command == "migrate":
        print("review schema up to date")
    elif args.command == "purge":
        days = args.days or retention_days()
        print(f"purged {store.purge(days)} turns older than {days} days")
    else:
        path, counts = write_export(store, args.out)
        print(f"wrote {path}: {counts['examples']} examples from {counts['groups']} groups "
              f"({counts['redacted']} with a masked value and {counts['duplicates']} already "
              "in the training data left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
