"""The hotline staff console: one search box over the knowledge base, as a web page and a CLI.

While a caller waits, staff type what they hear ("IC卡 解锁", "補辦", "unlock e-port") and get
procedure cards: the checklist to copy, steps, times, fee, offices with hours and phones,
contacts, where the sources disagree, and the source of every line. The cards are built here
once, as plain data, and both the page (JSON) and the command line (text) show that data,
so what a clerk reads out and what they paste into an email never differ.

`GET /staff` is a static page holding no data: it asks for the staff token, keeps it in
sessionStorage (gone when the tab closes) and sends it as a Bearer header. Every data route
is `staff_only`, answers with ``Cache-Control: no-store`` and no CORS headers, so the public
widget (and any site embedding it) cannot read it. Application lookup and stage updates on
the page call the staff API of `webapp.staff_api`.

    python -m webapp.staff_console "IC卡 解锁" [--lang zh|zh-Hant|en] [--limit 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from knowledge.query import KnowledgeBase, Line, OfficeInfo, pick, shared_kb
from knowledge.search import OFFICES, PASSWORD, PROCEDURE, TOPIC, Hit, prepare, search
from knowledge.text import detect_language, stored, to_traditional
from replies import render
from webapp.staff_auth import staff_only

ConsoleLang = Literal["zh", "zh-Hant", "en"]
LANGS: tuple[str, ...] = ("zh", "zh-Hant", "en")
MAX_QUERY, DEFAULT_LIMIT, MAX_LIMIT = 200, 6, 20
STATIC_DIR = Path(__file__).resolve().parent / "static" / "staff"
STATIC_FILES = {
    "staff.js": "application/javascript; charset=utf-8",
    "staff.css": "text/css; charset=utf-8",
    "review.js": "application/javascript; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
}
# The page runs only its own script and talks only to its own origin; nobody may frame it.
PAGE_HEADERS = {
    "Content-Security-Policy": "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"]),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# Headings the cards use, from the assistant's own wording (knowledge/data/phrases.yaml).
LABELS = {"materials": "heading_materials", "steps": "heading_steps", "times": "heading_times",
          "offices": "heading_where", "hours": "heading_hours", "fee": "heading_fee",
          "contacts": "heading_contacts", "passwords": "heading_passwords",
          "collect": "heading_collect", "notes": "heading_notes", "channels": "heading_channels",
          "phone": "office_phone"}

blueprint = Blueprint("staff_console")


# --- cards: plain data, shared by the page and the CLI ---------------------------------------
def _line(kb: KnowledgeBase, line: Line, lg: str) -> dict[str, str]:
    return {"text": line.text, "source": kb.source_label(line.source, lg)}


def _lines(kb: KnowledgeBase, lines: Iterable[Line], lg: str) -> list[dict[str, str]]:
    return [_line(kb, line, lg) for line in lines]


def _office(kb: KnowledgeBase, o: OfficeInfo, lg: str) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "address": o.address, "district": o.district,
            "phone": o.phone or "", "hours": o.hours_text or kb.phrase("hours_not_stated", lg),
            "note": o.note, "source": kb.source_label(o.source, lg)}


def _conflicts(kb: KnowledgeBase, procedure_id: str, lg: str) -> list[dict[str, Any]]:
    return [{"topic": c.topic, "intro": kb.phrase("conflict_intro", lg, topic=c.topic),
             "values": _lines(kb, c.values, lg)} for c in kb.conflicts_for(procedure_id, None, lg)]


def procedure_card(kb: KnowledgeBase, hit: Hit, lang: str) -> dict[str, Any]:
    """Everything staff may need to read out about one procedure, each line with its source."""
    lg, pid = stored(lang), hit.id
    p = kb.procedure(pid)
    fee = kb.fee_for(pid, lg)
    name = pick(p.name, lg)
    return {
        "type": PROCEDURE, "id": pid, "title": name, "summary": pick(p.summary, lg),
        "key_type": pick(kb.key_types[p.key_type_id].short, lg) if p.key_type_id else "",
        "channels": [kb.phrase(f"channel_{c}", lg) for c in p.channels],
        "source": kb.source_label(p.source, lg),
        "materials": [{"name": mt.name, "qualifier": mt.qualifier,
                       "source": kb.source_label(mt.source, lg)}
                      for mt in kb.materials_for(pid, lg)],
        "steps": _lines(kb, kb.steps_for(pid, lg), lg),
        "times": [{"text": t.text, "working_days": t.working_days,
                   "source": kb.source_label(t.source, lg)} for t in kb.times_for(pid, lg)],
        "times_missing": "" if p.times else kb.phrase("times_not_stated", lg, name=name),
        "fee": _line(kb, fee, lg) if fee else None,
        "fee_missing": "" if fee else kb.phrase("fee_not_stated", lg, name=name),
        "collect": _lines(kb, kb.collect_for(pid, lg), lg),
        "notes": _lines(kb, kb.notes_for(pid, lg), lg),
        "passwords": _lines(kb, kb.passwords_for(pid, lg), lg),
        "offices": [_office(kb, o, lg) for o in kb.offices_for(pid, region=hit.region, lang=lg)],
        "contacts": _lines(kb, kb.contacts_for(pid, lg), lg),
        "conflicts": _conflicts(kb, pid, lg),
        # The material list exactly as the chatbot words it, sources included: what staff paste.
        "checklist": render.materials(kb, pid, "en" if lg == "en" else "zh-Hans").text(),
    }


def topic_card(kb: KnowledgeBase, hit: Hit, lang: str) -> dict[str, Any]:
    lg, t = stored(lang), kb.topics[hit.id]
    return {"type": TOPIC, "id": hit.id, "title": pick(t.name, lg), "summary": pick(t.text, lg),
            "source": kb.source_label(t.source, lg)}


def offices_card(kb: KnowledgeBase, hit: Hit, lang: str) -> dict[str, Any]:
    lg, group = stored(lang), kb.office_groups[hit.id]
    offices = kb.offices_for(group=hit.id, region=hit.region, lang=lg)
    return {"type": OFFICES, "id": hit.id, "title": pick(group.name, lg),
            "source": kb.source_label(group.source, lg),
            "offices": [_office(kb, o, lg) for o in offices]}


def password_card(kb: KnowledgeBase, hit: Hit, lang: str) -> dict[str, Any]:
    lg, pw = stored(lang), kb.passwords[hit.id]
    used_by = [pick(p.name, lg) for p in kb.procedures.values() if hit.id in p.password_ids]
    return {"type": PASSWORD, "id": hit.id, "title": pick(pw.system, lg),
            "password": pw.password, "summary": pick(pw.note, lg),
            "procedures": used_by, "source": kb.source_label(pw.source, lg)}


CARD_BUILDERS = {PROCEDURE: procedure_card, TOPIC: topic_card, OFFICES: offices_card,
                 PASSWORD: password_card}


def _traditional(value: Any) -> Any:
    """The same data in Traditional script (the knowledge base stores Simplified)."""
    if isinstance(value, str):
        return to_traditional(value)
    if isinstance(value, list):
        return [_traditional(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("id", "type") else _traditional(v) for k, v in value.items()}
    return value


def console_lang(query: str, requested: str | None) -> ConsoleLang:
    """The language asked for, else the query's own (a Traditional query gets Traditional)."""
    if requested in LANGS:
        return requested  # type: ignore[return-value]
    detected = detect_language(query)
    return "en" if detected == "en" else "zh-Hant" if detected == "zh-Hant" else "zh"


def labels(kb: KnowledgeBase, lang: str) -> dict[str, str]:
    lg = stored(lang)
    return {key: kb.phrase(pid, lg).rstrip("：: ") for key, pid in LABELS.items()}


def cards(kb: KnowledgeBase, query: str, lang: str, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """The search answer the page and the CLI show: cards best first, with their headings."""
    started = time.perf_counter()
    hits = search(kb, query[:MAX_QUERY], limit)
    body: dict[str, Any] = {
        "labels": labels(kb, lang),
        "results": [{**CARD_BUILDERS[h.kind](kb, h, lang), "score": h.score,
                     "matched": list(h.matched)} for h in hits],
    }
    if lang == "zh-Hant":
        body = _traditional(body)
    return {"query": query, "lang": lang, **body,
            "took_ms": round((time.perf_counter() - started) * 1000, 2)}


# --- the same cards as text, for the command line --------------------------------------------
def _cited(text: str, source: str) -> str:
    return f"{text}  [{source}]" if source else text


def card_text(card: dict[str, Any], heads: dict[str, str], colon: str = "：") -> str:
    """One card as plain text: headings, numbered lists, a source after every line."""
    out = [f"【{card['title']}】 ({card['id']})"]
    if card.get("password"):
        out.append(f"{heads['passwords']}{colon}{card['password']}")
    if card.get("summary"):
        out.append(card["summary"])
    out.append(f"[{card['source']}]")

    def section(key: str, lines: list[str]) -> None:
        if lines:
            out.extend(["", f"{heads[key]}{colon}", *lines])

    section("materials", [f"{i}. " + _cited(
        f"{m['name']}（{m['qualifier']}）" if m["qualifier"] else m["name"], m["source"])
        for i, m in enumerate(card.get("materials", []), 1)])
    section("steps", [f"{i}. " + _cited(s["text"], s["source"])
                      for i, s in enumerate(card.get("steps", []), 1)])
    section("times", [f"• {_cited(t['text'], t['source'])}" for t in card.get("times", [])]
            or ([card["times_missing"]] if card.get("times_missing") else []))
    if "fee_missing" in card:
        fee = card.get("fee")
        section("fee", [_cited(fee["text"], fee["source"]) if fee else card["fee_missing"]])
    for key in ("collect", "notes", "passwords", "contacts"):
        section(key, [f"• {_cited(x['text'], x['source'])}" for x in card.get(key, [])])
    offices: list[str] = []
    for o in card.get("offices", []):
        offices.append(f"• {o['name']}" + (f" ({o['district']})" if o["district"] else ""))
        phone = f"{heads['phone']} {o['phone']}" if o["phone"] else ""
        offices += [f"  {x}" for x in (o["address"], phone, o["hours"], o["note"]) if x]
        offices.append(f"  [{o['source']}]")
    section("offices", offices)
    if card.get("procedures"):
        out += ["", *[f"→ {name}" for name in card["procedures"]]]
    for c in card.get("conflicts", []):
        out += ["", c["intro"], *[f"  – {_cited(v['text'], v['source'])}" for v in c["values"]]]
    return "\n".join(out)


def answer_text(answer: dict[str, Any]) -> str:
    if not answer["results"]:
        return "—"
    rule = "\n" + "─" * 60 + "\n"
    colon = ": " if answer["lang"] == "en" else "："
    return rule.join(card_text(c, answer["labels"], colon) for c in answer["results"])


# --- web routes ------------------------------------------------------------------------------
@blueprint.listener("before_server_start")
async def load_knowledge(_app: Any, _loop: Any) -> None:
    """Read the knowledge base, build the search index and load OpenCC's Traditional table
    before the first caller waits (together some 100 ms, once)."""
    prepare(shared_kb())
    to_traditional("繁")


def _static(name: str, content_type: str) -> HTTPResponse:
    body = (STATIC_DIR / name).read_bytes()  # a few kilobytes; edits show without a restart
    return raw(body, content_type=content_type, headers=PAGE_HEADERS)


@blueprint.get("/staff")
async def console_page(_request: Request) -> HTTPResponse:
    return _static("index.html", "text/html; charset=utf-8")


@blueprint.get("/staff/static/<name>")
async def console_file(_request: Request, name: str) -> HTTPResponse:
    content_type = STATIC_FILES.get(name)
    if content_type is None:  # only the listed files: no request path reaches the disk
        return raw(b"not found", status=404, content_type="text/plain", headers=PAGE_HEADERS)
    return _static(name, content_type)


@blueprint.get("/staff/api/session")
@staff_only
async def session_check(_request: Request) -> HTTPResponse:
    """Lets the login box tell a wrong token at once, before any search is typed."""
    return json({"ok": True}, headers=API_HEADERS)


@blueprint.get("/staff/api/search")
@staff_only
async def search_api(request: Request) -> HTTPResponse:
    query = (request.args.get("q") or "").strip()
    requested = request.args.get("lang")
    if requested and requested not in LANGS:
        return json({"error": f"lang must be one of {', '.join(LANGS)}"}, 400,
                    headers=API_HEADERS)
    try:
        limit = min(max(int(request.args.get("limit", DEFAULT_LIMIT)), 1), MAX_LIMIT)
    except ValueError:
        return json({"error": "limit must be a number"}, 400, headers=API_HEADERS)
    answer = cards(shared_kb(), query, console_lang(query, requested), limit)
    return json(answer, headers=API_HEADERS, ensure_ascii=False)


# --- command line ----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m webapp.staff_console",
        description="Search the knowledge base as the hotline console does; print the cards.")
    parser.add_argument("query", nargs="+", help='free text, e.g. "IC卡 解锁" or "unlock e-port"')
    parser.add_argument("--lang", choices=LANGS, help="default: the query's language and script")
    parser.add_argument("--limit", type=int, default=3, help="how many cards (default 3)")
    args = parser.parse_args(argv)
    query = " ".join(args.query)
    answer = cards(shared_kb(), query, console_lang(query, args.lang), max(args.limit, 1))
    print(answer_text(answer))
    return 0 if answer["results"] else 1


if __name__ == "__main__":
    sys.exit(main())
