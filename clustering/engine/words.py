"""Words for clusters: names, characteristics, a summary paragraph and a recommendation.

In: each cluster's z-scores (cluster mean vs all customers, in standard deviations), the columns'
semantic roles and the leading category of each categorical column. Out: strings. Names follow
document 004 section 7 (High Value Customers, Budget Conscious, Potential Growth, Young
Enthusiasts...) when the roles are known, are unique within a run, and fall back to a neutral
description ("Segment 2: high annual_income, low age") when they are not. Pure Python.
"""

from collections.abc import Mapping, Sequence

from clustering.engine.labels import NOISE_LABEL

NOTABLE_Z = 0.35  # a cluster mean this many standard deviations from everyone's is "high"/"low"
MAINSTREAM_Z = 0.35  # every role feature within this band: the cluster is the typical customer
MAX_CHARACTERISTICS = 5
DOMINANT_SHARE = 0.5  # "Primarily from North region" needs at least half of the cluster
DOMINANT_LIFT = 1.2  # ...and clearly more than the share among all customers

# name -> conditions (role, +1 high / -1 low); scored by the weakest condition's |z|
ROLE_NAMES: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    ("High Value Customers", (("income", 1), ("spending_score", 1))),
    ("Budget Conscious", (("income", -1), ("spending_score", -1))),
    ("Potential Growth", (("income", 1), ("spending_score", -1))),
    ("Aspiring Spenders", (("income", -1), ("spending_score", 1))),
    ("Young Enthusiasts", (("age", -1), ("purchase_frequency", 1))),
    ("Young Enthusiasts", (("age", -1), ("spending_score", 1))),
    ("Loyal Seniors", (("age", 1), ("tenure", 1))),
    ("Loyal Seniors", (("age", 1), ("purchase_frequency", 1))),
    ("Big Ticket Buyers", (("purchase_amount", 1), ("purchase_frequency", -1))),
    ("Loyal Regulars", (("tenure", 1), ("purchase_frequency", 1))),
    ("High Value Customers", (("income", 1), ("purchase_amount", 1))),
    ("Budget Conscious", (("income", -1), ("purchase_amount", -1))),
    ("Frequent Shoppers", (("purchase_frequency", 1),)),
    ("Occasional Shoppers", (("purchase_frequency", -1),)),
    ("Big Spenders", (("spending_score", 1),)),
    ("Cautious Spenders", (("spending_score", -1),)),
    ("Affluent Customers", (("income", 1),)),
    ("Value Seekers", (("income", -1),)),
    ("New Customers", (("tenure", -1),)),
    ("Long-standing Customers", (("tenure", 1),)),
    ("Young Customers", (("age", -1),)),
    ("Mature Customers", (("age", 1),)),
)
SINGLE_CONDITION_DISCOUNT = 0.5  # a two-condition match beats a one-condition match

PHRASES = {  # role -> (high, low, middle)
    "income": ("Higher income bracket", "Lower income bracket", "Middle income bracket"),
    "spending_score": ("High spending score", "Low spending score", "Average spending score"),
    "purchase_frequency": (
        "High purchase frequency",
        "Low purchase frequency",
        "Medium purchase frequency",
    ),
    "purchase_amount": ("Larger purchases", "Smaller purchases", "Typical purchase size"),
    "age": ("Older customers", "Younger customers", "Middle-aged customers"),
    "tenure": ("Long-standing customers", "Recently acquired", "Average tenure"),
}

RECOMMENDATIONS = {
    "High Value Customers": 'Target "{name}" with loyalty programs and premium offers to keep '
    "their high engagement.",
    "Budget Conscious": 'Reach "{name}" with value bundles, discounts and clear pricing; keep '
    "the cost of serving them low.",
    "Potential Growth": 'Convert "{name}": they can afford more. Use personalised offers and '
    "premium trials to raise their spending.",
    "Aspiring Spenders": 'Keep "{name}" engaged with instalments and entry-level lines; watch '
    "credit risk.",
    "Young Enthusiasts": 'Engage "{name}" on social and mobile channels with new arrivals and '
    "referral rewards.",
    "Loyal Seniors": 'Reward "{name}" for their loyalty with service, comfort and '
    "early-access perks.",
    "Big Ticket Buyers": 'Give "{name}" reasons to come back more often: reminders, '
    "complementary products and seasonal events.",
    "Loyal Regulars": 'Protect "{name}" with a membership tier and thank-you offers; ask them '
    "for referrals.",
    "Frequent Shoppers": 'Raise the basket of "{name}" with cross-selling at the moments they '
    "already buy.",
    "Occasional Shoppers": 'Create targeted promotions for "{name}" to increase their purchase '
    "frequency.",
    "Big Spenders": 'Keep "{name}" spending with exclusive launches and a fast, personal service.',
    "Cautious Spenders": 'Build trust with "{name}" through guarantees, reviews and small '
    "first purchases.",
    "Affluent Customers": 'Present premium ranges to "{name}" and measure which ones lift their '
    "spending.",
    "Value Seekers": 'Offer "{name}" good-value essentials and a simple loyalty discount.',
    "New Customers": 'Welcome "{name}" with onboarding offers so the first purchase becomes a '
    "habit.",
    "Long-standing Customers": 'Thank "{name}" for their tenure and invite them to upgrade.',
    "Young Customers": 'Speak to "{name}" where they are: mobile, social and trend-led campaigns.',
    "Mature Customers": 'Serve "{name}" with clear information, reliable quality and attentive '
    "support.",
    "Mainstream": 'Keep "{name}" satisfied with broad campaigns and test which offers move '
    "them toward a more valuable segment.",
}


def name_clusters(
    *,
    labels: Sequence[int],
    z_scores: Mapping[int, Mapping[str, float]],
    roles: Mapping[str, str | None],
) -> dict[int, str]:
    """A unique name per cluster label: role-based when roles are known, else descriptive.

    Each (cluster, name) pair is scored by the weakest of its conditions; the best pairs are
    taken first, so the clearest High Value cluster gets that name and no name repeats.
    """
    role_z = {
        label: _role_scores(z_scores.get(label, {}), roles)
        for label in labels
        if label != NOISE_LABEL
    }
    pairs = []
    for label, scores in role_z.items():
        for name, conditions in ROLE_NAMES:
            if not all(role in scores for role, _ in conditions):
                continue
            weakest = min(scores[role] * sign for role, sign in conditions)
            if weakest >= NOTABLE_Z:
                discount = 1.0 if len(conditions) > 1 else SINGLE_CONDITION_DISCOUNT
                pairs.append((weakest * discount, label, name))
    names: dict[int, str] = {}
    for _, label, name in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if label not in names and name not in names.values():
            names[label] = name
    for label, scores in role_z.items():
        if label in names:
            continue
        typical = scores and all(abs(value) < MAINSTREAM_Z for value in scores.values())
        if typical and "Mainstream" not in names.values():
            names[label] = "Mainstream"
        else:
            names[label] = describe(label=label, z_scores=z_scores.get(label, {}))
    if NOISE_LABEL in labels:
        names[NOISE_LABEL] = "Outliers"
    return _unique(names)


def describe(*, label: int, z_scores: Mapping[str, float]) -> str:
    """A neutral name from the two features furthest from everyone: 'Segment 2: high x, low y'."""
    ranked = sorted(z_scores.items(), key=lambda item: -abs(item[1]))[:2]
    parts = [f"{'high' if z >= 0 else 'low'} {name}" for name, z in ranked if abs(z) >= 0.1]
    return f"Segment {label}: {', '.join(parts)}" if parts else f"Segment {label}: typical values"


def characteristics(
    *,
    z_scores: Mapping[str, float],
    roles: Mapping[str, str | None],
    leaders: Mapping[str, tuple[str, float, float]],
) -> list[str]:
    """Short phrases, most distinctive first: 'Higher income bracket', 'Primarily from North'."""
    scored: list[tuple[float, str]] = []
    for feature, z in z_scores.items():
        role = roles.get(feature)
        if role in PHRASES:
            high, low, middle = PHRASES[role]
            phrase = high if z >= NOTABLE_Z else low if z <= -NOTABLE_Z else middle
            scored.append((abs(z), phrase))
        elif abs(z) >= NOTABLE_Z:
            scored.append((abs(z), f"{'High' if z > 0 else 'Low'} {feature}"))
    for feature, (value, share, overall) in leaders.items():
        if share >= DOMINANT_SHARE and share >= overall * DOMINANT_LIFT:
            role = roles.get(feature)
            if role == "region":
                phrase = f"Primarily from {value} region"
            elif role == "gender":
                phrase = f"Mostly {value} ({share:.0%})"
            else:
                phrase = f"Mostly {feature} {value} ({share:.0%})"
            scored.append((1.0 + share - overall, phrase))
    ordered = [phrase for _, phrase in sorted(scored, key=lambda item: -item[0])]
    return list(dict.fromkeys(ordered))[:MAX_CHARACTERISTICS]


def summary(
    *,
    name: str,
    label: int,
    size: int,
    percentage: float,
    means: Mapping[str, float | None],
    overall_means: Mapping[str, float | None],
    z_scores: Mapping[str, float],
    traits: Sequence[str],
) -> str:
    """One paragraph: who the cluster is, how it differs from everyone, in numbers."""
    opening = (
        f"Cluster {label} ({name}) contains {size:,} customers ({percentage:.1f}% of total)."
        if label != NOISE_LABEL
        else f"{size:,} customers ({percentage:.1f}% of total) fit no dense group and are "
        "treated as outliers."
    )
    contrasts = []
    for feature, z in sorted(z_scores.items(), key=lambda item: -abs(item[1]))[:3]:
        mean, overall = means.get(feature), overall_means.get(feature)
        if abs(z) >= NOTABLE_Z and mean is not None and overall is not None:
            word = "high" if z > 0 else "low"
            contrasts.append(f"{word} {feature} (avg: {mean:,.2f} vs {overall:,.2f} overall)")
    body = (
        f" Characterized by {_join(contrasts)}."
        if contrasts
        else " Its averages are close to those of all customers."
    )
    extra = [trait for trait in traits if trait.startswith(("Primarily", "Mostly"))]
    tail = f" {'; '.join(extra)}." if extra else ""
    return opening + body + tail


def recommendation(*, name: str, label: int, percentage: float, rank: int) -> str:
    """What to do with the cluster; a size-based suggestion when its name carries no role."""
    key = "Mainstream" if name == "Mainstream" else name
    if key in RECOMMENDATIONS:
        return RECOMMENDATIONS[key].format(name=name)
    if label == NOISE_LABEL:
        return (
            f"Review the {percentage:.1f}% of outliers by hand: they may be data errors or "
            "rare, valuable customers."
        )
    if rank == 0:
        return (
            f"Segment {label} (Core Segment - {percentage:.1f}%): largest customer base. "
            "Maintain loyalty programs and regular engagement."
        )
    if percentage >= 20:
        return (
            f"Segment {label} (Major Segment - {percentage:.1f}%): significant revenue "
            "contributor. Focus on retention and upselling."
        )
    return (
        f"Segment {label} (Niche Segment - {percentage:.1f}%): specialised needs. Develop "
        "targeted offerings and test them on a small group first."
    )


def _role_scores(z_scores: Mapping[str, float], roles: Mapping[str, str | None]) -> dict:
    scores: dict[str, float] = {}
    for feature, z in z_scores.items():
        role = roles.get(feature)
        if role and role not in scores:  # the first column with a role speaks for it
            scores[role] = z
    return scores


def _unique(names: dict[int, str]) -> dict[int, str]:
    seen: dict[str, int] = {}
    unique = {}
    for label in sorted(names):
        name = names[label]
        seen[name] = seen.get(name, 0) + 1
        unique[label] = name if seen[name] == 1 else f"{name} ({seen[name]})"
    return unique


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
