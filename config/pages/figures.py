"""Charts on pages: `reports.charts` builds every figure; a chart with nothing to draw is left
out of the page instead of failing it."""

from collections.abc import Callable
from typing import Any

from config.errors import SingleMachineOnly
from reports.charts import ChartInputError


def chart_or_none(build: Callable[..., dict], *args: Any, **kwargs: Any) -> dict | None:
    """The figure, or None when the chart has nothing to draw (e.g. no numeric columns) or
    reads a whole table too large for one process (the API says so)."""
    try:
        return build(*args, **kwargs)
    except (ChartInputError, SingleMachineOnly):
        return None
