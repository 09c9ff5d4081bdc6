"""Rendering of tidy result tables: terminal tables, charts and the HTML report."""
