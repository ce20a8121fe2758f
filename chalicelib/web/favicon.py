"""GET /favicon.ico: Wegweiser's icon, a signpost, as a few hundred bytes of SVG.

Browsers ask for it on every page; without it each page view logged a 404. It is
text (no binary media types for API Gateway to configure), served from this host
only (the pages' CSP allows images from 'self' alone), and cached for a week.
"""

from __future__ import annotations

import functools

from chalicelib.core.templating import TEMPLATE_DIR
from chalicelib.web.pages import Answer

ICON_HEADERS = {
    "Content-Type": "image/svg+xml",
    "Cache-Control": "public, max-age=604800",
    "X-Content-Type-Options": "nosniff",
}


@functools.cache
def favicon_answer() -> Answer:
    icon = (TEMPLATE_DIR / "assets" / "favicon.svg").read_text(encoding="utf-8")
    return Answer(200, icon, ICON_HEADERS)
