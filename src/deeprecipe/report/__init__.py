"""The report: headless plots (matplotlib's Agg) and a self-contained HTML page."""
