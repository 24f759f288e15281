"""The website chat widget and its demo page, served by the web app (`webapp.app`).

`/widget/ekey-widget.js` and `/widget/ekey-widget.css` are what other sites embed with one
script tag; `/` is a bilingual demo page that embeds them exactly that way. The widget talks
to Rasa's REST channel straight from the browser, so the demo page needs Rasa's public URL:
it comes from WIDGET_RASA_URL, or RASA_URL (set by `runtime.serve.Stack`), and is written
into the page's script tag, escaped. Rasa's --cors list must name this page's origin.

The files are read on each request: they are a few kilobytes, and an edited widget then
shows up without restarting anything. An ETag lets browsers revalidate them cheaply.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw

from runtime.settings import setting

STATIC_DIR = Path(__file__).resolve().parent / "static"
WIDGET_FILES = {
    "ekey-widget.js": "application/javascript; charset=utf-8",
    "ekey-widget.css": "text/css; charset=utf-8",
    "ekey-feedback.js": "application/javascript; charset=utf-8",
    "ekey-feedback.css": "text/css; charset=utf-8",
}
DEFAULT_RASA_URL = "http://localhost:5005"

# Sent with everything here: no MIME sniffing, and other sites see only our origin.
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

blueprint = Blueprint("pages")


def rasa_url() -> str:
    """Rasa's base URL as the visitor's browser reaches it."""
    url = setting("WIDGET_RASA_URL") or setting("RASA_URL") or DEFAULT_RASA_URL
    return url.rstrip("/")


def origin_of(url: str) -> str:
    """The URL's origin for a CSP source list; 'self' if it is not a plain http(s) URL.

    Checked strictly because it goes into a header, where a stray ';' would add a directive.
    """
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", parts.netloc):
        return f"{parts.scheme}://{parts.netloc}"
    return "'self'"


def content_security_policy(connect_to: str) -> str:
    """The demo page runs only our own script and styles and talks only to Rasa and to its
    own origin (the sources an answer cites, `webapp.sources`)."""
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src {connect_to} 'self'" if connect_to != "'self'" else "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def cached(request: Request, body: bytes, content_type: str, headers: dict[str, str]
           ) -> HTTPResponse:
    """A response browsers may keep for an hour and then revalidate with If-None-Match."""
    tag = etag(body)
    headers = {**COMMON_HEADERS, **headers, "ETag": tag,
               "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == tag:
        return HTTPResponse(status=304, headers=headers)
    return raw(body, content_type=content_type, headers=headers)


@blueprint.get("/")
async def demo_page(request: Request) -> HTTPResponse:
    url = rasa_url()
    widget = (STATIC_DIR / "widget" / "ekey-widget.js").read_bytes()
    feedback = (STATIC_DIR / "widget" / "ekey-feedback.js").read_bytes()
    # The version query makes the demo page fetch a changed widget at once; embedders who
    # use the bare URL get it within the cache lifetime.
    replacements = {
        "{{rasa_url}}": url,
        "{{widget_src}}": f"/widget/ekey-widget.js?v={etag(widget).strip(chr(34))}",
        "{{widget_url}}": f"{request.scheme}://{request.host}/widget/ekey-widget.js",
        "{{feedback_src}}": f"/widget/ekey-feedback.js?v={etag(feedback).strip(chr(34))}",
    }
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    for placeholder, value in replacements.items():
        page = page.replace(placeholder, html.escape(value, quote=True))
    headers = {
        **COMMON_HEADERS,
        # Rasa for the chat; the policy adds this origin (sources, the ratings' /feedback).
        "Content-Security-Policy": content_security_policy(origin_of(url)),
        "X-Frame-Options": "DENY",
        # The page carries this deployment's Rasa URL: always revalidate.
        "Cache-Control": "no-cache",
    }
    return raw(page.encode(), content_type="text/html; charset=utf-8", headers=headers)


@blueprint.get("/demo.css")
async def demo_css(request: Request) -> HTTPResponse:
    body = (STATIC_DIR / "demo.css").read_bytes()
    return cached(request, body, "text/css; charset=utf-8", {})


@blueprint.get("/widget/<name>")
async def widget_file(request: Request, name: str) -> HTTPResponse:
    content_type = WIDGET_FILES.get(name)
    if content_type is None:  # only the listed files: no path ever reaches the disk
        return HTTPResponse("not found", status=404, headers=COMMON_HEADERS,
                            content_type="text/plain; charset=utf-8")
    body = (STATIC_DIR / "widget" / name).read_bytes()
    # Other sites embed these files, including sites that isolate themselves with COEP.
    return cached(request, body, content_type, {"Cross-Origin-Resource-Policy": "cross-origin"})
