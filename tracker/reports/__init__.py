"""Printable documents for the file (issue #5): the record of decision and the feedback summary.

HTML built from Jinja2 templates with autoescaping, a print stylesheet, English and French. Browsers
print it or save it as PDF; no PDF library is needed on the server.
"""

from tracker.reports.documents import (
    KINDS,
    ReportError,
    feedback_context,
    record_context,
    render,
    render_feedback,
    render_record,
    report_filename,
)

__all__ = [
    "KINDS",
    "ReportError",
    "feedback_context",
    "record_context",
    "render",
    "render_feedback",
    "render_record",
    "report_filename",
]
