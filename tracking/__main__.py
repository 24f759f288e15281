"""Staff CLI: ``python -m tracking show|update|migrate``.

The same store and rules as the staff API; for staff at a terminal and for scripts. An
update made here is pushed to the applicant like one made through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from tracking import notify
from tracking.report import application_json
from tracking.store import ApplicationStore, TrackingError, normalise_reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracking",
                                     description=__doc__)
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL, "
                                      "else var/applications.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the tables")
    show = sub.add_parser("show", help="an application and its stages, as JSON")
    show.add_argument("reference")
    update = sub.add_parser("update", help="move an application to its next stage")
    update.add_argument("reference")
    update.add_argument("stage")
    update.add_argument("--remark", default="")
    update.add_argument("--by", default="cli", help="staff name recorded with the change")
    args = parser.parse_args(argv)

    store = ApplicationStore(args.url)
    store.migrate()
    if args.command == "migrate":
        print("applications schema up to date")
        return 0
    ref = normalise_reference(args.reference)
    try:
        if args.command == "show":
            app = store.get(ref or "")
            if app is None:
                raise LookupError
        else:
            app = store.add_event(ref or "", args.stage, args.remark, f"staff:{args.by}")
    except LookupError:
        print(f"no application {args.reference}", file=sys.stderr)
        return 1
    except TrackingError as exc:
        print(exc, file=sys.stderr)
        return 2
    out = application_json(app)
    if args.command == "update":
        out["notified"] = asyncio.run(notify.notify(app, store))
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
