"""The `number` template filter, a builtin of every template (TEMPLATES in
config/settings/base.py): `{{ value|number }}`, `{{ share|number:1 }}%`. It writes numbers with
`config.numbers.number_text`, as charts and exports do."""

from typing import Any

from django import template

from config.numbers import DECIMALS, number_text

register = template.Library()


@register.filter(name="number")
def number_filter(value: Any, decimals: int | str = DECIMALS) -> str:
    """`number_text(value, decimals)`: `{{ value|number }}` or `{{ value|number:1 }}`."""
    return number_text(value, int(decimals))
