"""HTML audit reports: one page per case, and an index page for a store."""

from kg.reports.html.render import case_report, write_case_report, write_store_report

__all__ = ["case_report", "write_case_report", "write_store_report"]
