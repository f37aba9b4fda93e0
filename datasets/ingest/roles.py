"""Semantic roles of columns, from their names and content.

In: column names, their kinds and the typed frame. Out: `{column: role}` for the columns that have
one; each role goes to at most one column (the first that fits). Roles: ROLES below. Names are
compared as lower-case tokens, so `Annual Income (k$)`, `annual_income` and `AnnualIncome` read
the same. Roles can be corrected later; this is only the first guess."""

import re

import pandas as pd

ROLES = (
    "customer_id",
    "name",
    "email",
    "age",
    "gender",
    "region",
    "income",
    "spending_score",
    "purchase_frequency",
    "purchase_amount",
    "tenure",
    "recency",
    "frequency",
    "monetary",
)
RFM_ROLES = ("recency", "frequency", "monetary", "tenure")  # the customer-value vocabulary's roles
COUNT_ROLES = (*RFM_ROLES, "purchase_frequency")  # days, counts and money are never negative
NUMERIC_ROLES = ("age", "income", "spending_score", "purchase_amount", *COUNT_ROLES)
ID_TOKENS = {"id", "uuid", "guid", "key", "code", "no", "num", "number", "identifier"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def name_tokens(name: str) -> list[str]:
    """'Annual Income (k$)' -> ['annual', 'income', 'k']; 'CustomerID' -> ['customer', 'id']."""
    return [token for token in _SPLIT.split(_CAMEL.sub("_", name).lower()) if token]


def looks_like_id_name(name: str) -> bool:
    tokens = name_tokens(name)
    return bool(tokens) and (tokens[-1] in ID_TOKENS or tokens[0] in ("id", "uuid", "guid"))


def _role_by_name(tokens: list[str]) -> str | None:
    words = set(tokens)
    joined = "_".join(tokens)
    if looks_like_id_name(joined) and (
        words & {"customer", "client", "cust", "member", "user", "account", "buyer"}
        or tokens in (["id"], ["uuid"], ["guid"])
    ):
        return "customer_id"
    if words & {"email", "mail"} or "e_mail" in joined:
        return "email"
    if words & {"recency"} or joined.startswith(("days_since_last_", "last_purchase_days")):
        return "recency"
    if words & {"monetary"} or joined in ("total_spend", "total_spent", "total_revenue", "revenue"):
        return "monetary"
    if joined in ("frequency", "freq", "purchase_days", "order_count", "orders_count"):
        return "frequency"
    if "spending" in words or "spend" in words or ("score" in words and "spending" in joined):
        return "spending_score"
    if words & {"income", "salary", "earnings", "wage", "wages"}:
        return "income"
    if words & {"frequency", "freq"} or joined in ("purchases", "orders", "num_purchases"):
        return "purchase_frequency"
    if words & {"amount", "basket", "aov"} or ("order" in words and "value" in words):
        return "purchase_amount"
    if words & {"tenure", "lifespan", "seniority"} or joined in (
        "months_active",
        "customer_since",
        "membership_months",
        "years_as_customer",
        "account_age",
        "account_age_days",
        "customer_age_days",
    ):
        return "tenure"
    if joined.startswith(("days_since_first_", "months_since_first_", "days_since_signup")):
        return "tenure"
    if words & {"age"} or joined in ("age_years", "years_old"):
        return "age"
    if words & {"gender", "sex"}:
        return "gender"
    if words & {"region", "city", "country", "state", "province", "location", "area", "territory"}:
        return "region"
    if joined in ("name", "full_name", "customer_name", "client_name", "first_name", "last_name"):
        return "name"
    return None


def _fits(role: str, series: pd.Series, kind: str) -> bool:
    """Content checks that keep a name match from being absurd."""
    if role in COUNT_ROLES:
        values = pd.to_numeric(series, errors="coerce") if kind == "numeric" else None
        return values is not None and not bool((values < 0).any())
    if role in NUMERIC_ROLES:
        return kind == "numeric"
    if role == "gender":
        return kind == "categorical" and series.nunique() <= 10
    if role == "email":
        sample = series.dropna().head(200).astype(str)
        return len(sample) > 0 and sample.str.match(_EMAIL).mean() >= 0.8
    if role == "customer_id":
        return kind in ("id", "categorical", "text", "numeric")
    return kind in ("categorical", "text")


def detect_roles(frame: pd.DataFrame, kinds: dict[str, str]) -> dict[str, str]:
    """Guess each column's role; a role is given to one column at most."""
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for name in frame.columns:
        role = _role_by_name(name_tokens(name))
        if role and role not in taken and _fits(role, frame[name], kinds[name]):
            roles[name] = role
            taken.add(role)
    if "email" not in taken:  # an unnamed column of e-mail addresses
        for name in frame.columns:
            if name not in roles and kinds[name] == "text" and _fits("email", frame[name], "text"):
                roles[name] = "email"
                break
    return roles
