"""A small report with an SVG figure becomes an A4 PDF; nothing outside it is fetched."""

from __future__ import annotations

import re
import zlib

from evaluation.reports.charts import forest_plot_svg
from evaluation.reports.pdf import PRINT_CSS, html_to_pdf

TITLE = "Steady feet trial: evaluation report"


def _report(image: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{TITLE}</title>"
        f"</head><body><h1>{TITLE}</h1><p>Primary outcome.</p>"
        f"<figure><img src='{image}' alt='Forest plot'></figure></body></html>"
    )


def _readable(pdf: bytes) -> bytes:
    """The PDF with every compressed stream inflated (pypdf is not installed)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_report_with_svg_becomes_a_pdf_with_its_title():
    pdf = html_to_pdf(
        _report(
            forest_plot_svg(
                [{"label": "Product", "estimate": -1.8, "ci_low": -2.9, "ci_high": -0.7}]
            )
        )
    )
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    readable = _readable(pdf)
    # WeasyPrint writes the <title> into the document information (as text or UTF-16 hex).
    encoded = TITLE.encode("utf-16-be").hex().encode()
    assert TITLE.encode() in readable or encoded in readable.lower()
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.\d+\s+841\.\d+", readable)  # A4


def test_external_images_are_not_fetched():
    pdf = html_to_pdf(_report("http://169.254.169.254/latest/meta-data"))
    assert pdf.startswith(b"%PDF-")


def test_print_stylesheet_numbers_pages():
    css = PRINT_CSS.read_text()
    assert "size: A4" in css and "counter(page)" in css
