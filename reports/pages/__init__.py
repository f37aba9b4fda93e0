"""Analyst pages: server-rendered templates (templates/reports/) over the same services and
selectors as the API. Each view validates, calls one service or selector, and renders."""
