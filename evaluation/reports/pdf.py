"""The evaluation report as a PDF, rendered with WeasyPrint (as the consent copy is).

The report is self-contained: figures are ``data:`` URIs and the print stylesheet is read
from disk, so no URL is ever fetched while rendering (a page can never make the server
fetch something). Any other resource the HTML names is refused and left out.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

#: A4 layout with page numbers; applied to every report PDF.
PRINT_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "report-print.css"


def _weasyprint() -> Any:
    """WeasyPrint, imported on first use; its import-time notice that the optional
    HarfBuzz-Subset system library is missing (fonts are then embedded whole, the PDF is
    still right) is not ours to raise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        import weasyprint
    return weasyprint


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """``html`` as an A4 PDF with page numbers (``static/css/report-print.css`` applied).

    WeasyPrint is imported here, as only the PDF download needs it.

    Args:
        base_url: resolves relative links in ``html`` (they are still not fetched; links
            in the PDF point there).
    """
    weasyprint = _weasyprint()
    # Only data: URIs (the figures) are read; any other URL is refused and left out.
    inline_only = weasyprint.URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=inline_only)
    return document.write_pdf(stylesheets=[weasyprint.CSS(filename=str(PRINT_CSS))])
