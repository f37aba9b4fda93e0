"""Document 004's vocabulary for demographic and spending data: High Value Customers, Budget
Conscious, Potential Growth, Young Enthusiasts, Loyal Seniors... (section 7, cluster naming).

In: each segment's z-scores (segment mean vs all customers, in standard deviations) by role.
Out: names and recommendations. Each (segment, name) pair is scored by its weakest condition and
the best pairs are taken first, so the clearest High Value segment gets that name and no name
is given twice. Pure Python.
"""

from collections.abc import Mapping

NOTABLE_Z = 0.35  # a segment mean this many standard deviations from everyone's is "high"/"low"
MAINSTREAM_Z = 0.35  # every role feature within this band: the segment is the typical customer
MAINSTREAM = "Mainstream"

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

RECOMMENDATIONS = {
    "High Value Customers": 'Target "{name}"{figures} with loyalty programs and premium offers to '
    "keep their high engagement.",
    "Budget Conscious": 'Reach "{name}"{figures} with value bundles, discounts and clear pricing; '
    "keep the cost of serving them low.",
    "Potential Growth": 'Convert "{name}"{figures}: they can afford more. Use personalised offers '
    "and premium trials to raise their spending.",
    "Aspiring Spenders": 'Keep "{name}"{figures} engaged with instalments and entry-level lines; '
    "watch credit risk.",
    "Young Enthusiasts": 'Engage "{name}"{figures} on social and mobile channels with new arrivals '
    "and referral rewards.",
    "Loyal Seniors": 'Reward "{name}"{figures} for their loyalty with service, comfort and '
    "early-access perks.",
    "Big Ticket Buyers": 'Give "{name}"{figures} reasons to come back more often: reminders, '
    "complementary products and seasonal events.",
    "Loyal Regulars": 'Protect "{name}"{figures} with a membership tier and thank-you offers; ask '
    "them for referrals.",
    "Frequent Shoppers": 'Raise the basket of "{name}"{figures} with cross-selling at the moments '
    "they already buy.",
    "Occasional Shoppers": 'Create targeted promotions for "{name}"{figures} to increase their '
    "purchase frequency.",
    "Big Spenders": 'Keep "{name}"{figures} spending with exclusive launches and a fast, personal '
    "service.",
    "Cautious Spenders": 'Build trust with "{name}"{figures} through guarantees, reviews and small '
    "first purchases.",
    "Affluent Customers": 'Present premium ranges to "{name}"{figures} and measure which ones lift '
    "their spending.",
    "Value Seekers": 'Offer "{name}"{figures} good-value essentials and a simple loyalty discount.',
    "New Customers": 'Welcome "{name}"{figures} with onboarding offers so the first purchase '
    "becomes a habit.",
    "Long-standing Customers": 'Thank "{name}"{figures} for their tenure and invite them to '
    "upgrade.",
    "Young Customers": 'Speak to "{name}"{figures} where they are: mobile, social and trend-led '
    "campaigns.",
    "Mature Customers": 'Serve "{name}"{figures} with clear information, reliable quality and '
    "attentive support.",
    MAINSTREAM: 'Keep "{name}"{figures} satisfied with broad campaigns and test which offers move '
    "them toward a more valuable segment.",
}


def income_names(role_z: Mapping[int, Mapping[str, float]]) -> dict[int, str]:
    """Names from document 004 for the segments whose role z-scores match one; a typical segment
    (every role near everyone's) is "Mainstream" once. Segments matching nothing are left out."""
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
        typical = scores and all(abs(value) < MAINSTREAM_Z for value in scores.values())
        if label not in names and typical and MAINSTREAM not in names.values():
            names[label] = MAINSTREAM
    return names


def role_scores(z_scores: Mapping[str, float], roles: Mapping[str, str | None]) -> dict:
    """z-scores by role; the first column with a role speaks for it."""
    scores: dict[str, float] = {}
    for feature, z in z_scores.items():
        role = roles.get(feature)
        if role and role not in scores:
            scores[role] = z
    return scores
