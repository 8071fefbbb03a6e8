"""The report: headless plots (matplotlib's Agg) and a self-contained HTML page.

:func:`save_report` writes it from Python, for a recipe run or for one trained model.
"""

from deeprecipe.report.save import save_report

__all__ = ["save_report"]
