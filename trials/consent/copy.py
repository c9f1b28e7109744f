"""The participant's PDF copy of a signed consent, rendered with WeasyPrint."""

from __future__ import annotations

from typing import Any

from flask import render_template


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict:
    """The copy is self-contained: refuse every URL, so a page can never make the server fetch."""
    raise ValueError(f"The consent copy does not load external resources ({url[:40]})")


def consent_copy_html(**context: Any) -> str:
    return render_template("consent/copy_pdf.html", **context)


def consent_copy_pdf(**context: Any) -> bytes:
    """A PDF of the consent copy; WeasyPrint is imported here, as only this page needs it."""
    from weasyprint import HTML

    return HTML(string=consent_copy_html(**context), url_fetcher=_no_fetching).write_pdf()
