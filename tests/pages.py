"""Reading pages in tests the way a user reads them."""

from __future__ import annotations

import html
import re


def text_of(response) -> str:
    """The page's text with tags stripped, entities decoded and whitespace collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())
