"""Names (document 004's vocabulary), characteristics, summaries and recommendations follow the
profiles. The customer-value vocabulary and uniqueness: test_names.py."""

from clustering.engine.words import (
    NOISE_NAME,
    characteristics,
    describe,
    name_segments,
    recommendation,
    summary,
)

ROLES = {
    "annual_income": "income",
    "spending_score": "spending_score",
    "age": "age",
    "purchase_frequency": "purchase_frequency",
    "tenure_months": "tenure",
}


def z(income=0.0, spending=0.0, age=0.0, frequency=0.0, tenure=0.0):
    return {
        "annual_income": income,
        "spending_score": spending,
        "age": age,
        "purchase_frequency": frequency,
        "tenure_months": tenure,
    }


def test_name_clusters_follows_income_and_spending():
    names = name_segments(
        [0, 1, 2, 3],
        z_scores={
            0: z(income=1.2, spending=1.1),
            1: z(income=-1.0, spending=-1.1),
            2: z(income=1.1, spending=-1.3),
            3: z(age=-1.2, frequency=1.4),
        },
        roles=ROLES,
    )
    assert names == {
        0: "High Value Customers",
        1: "Budget Conscious",
        2: "Potential Growth",
        3: "Young Enthusiasts",
    }


def test_name_clusters_gives_the_name_to_the_clearest_cluster_and_keeps_names_unique():
    names = name_segments(
        [0, 1],
        z_scores={0: z(income=0.6, spending=0.5), 1: z(income=1.5, spending=1.6)},
        roles=ROLES,
    )
    assert names[1] == "High Value Customers"
    assert names[0] != names[1]


def test_name_clusters_calls_the_typical_cluster_mainstream_once():
    names = name_segments(
        [0, 1, 2],
        z_scores={0: z(income=0.1), 1: z(spending=-0.1), 2: z(age=1.5, tenure=1.2)},
        roles=ROLES,
    )
    assert names[2] == "Loyal Seniors"
    assert [names[0], names[1]].count("Mainstream") == 1
    assert "Low spending score" in (names[0], names[1])  # the other is described
    assert len(set(names.values())) == 3


def test_name_clusters_describes_clusters_when_roles_are_unknown():
    names = name_segments(
        [0, 1, -1],
        z_scores={0: {"x": 1.5, "y": -0.8, "w": 0.0}, 1: {"x": -1.5, "y": 0.8}, -1: {"x": 0}},
        roles={"x": None, "y": None},
    )
    assert names == {0: "High x, low y", 1: "Low x, high y", -1: NOISE_NAME}


def test_describe_says_typical_when_nothing_stands_out():
    assert describe(z_scores={"x": 0.01}) == "Typical customers"


def test_characteristics_put_the_most_distinctive_first():
    traits = characteristics(
        z_scores={"annual_income": 1.5, "purchase_frequency": 0.1, "visits": -0.9},
        roles={"annual_income": "income", "purchase_frequency": "purchase_frequency"},
        leaders={"region": ("North", 0.8, 0.25), "gender": ("Female", 0.52, 0.5)},
    )
    assert traits == [
        "Mostly region North (80%)",  # no role for region: the column is named
        "Higher income bracket",
        "Low visits",
        "Medium purchase frequency",
    ]  # and 52% Female against 50% overall is not distinctive


def test_characteristics_use_the_region_and_gender_roles():
    traits = characteristics(
        z_scores={},
        roles={"region": "region", "sex": "gender"},
        leaders={"region": ("North", 0.9, 0.3), "sex": ("Female", 0.85, 0.5)},
    )
    assert traits == ["Primarily from North region", "Mostly Female (85%)"]


def test_summary_states_size_and_contrasts_in_numbers():
    text = summary(
        name="High Value Customers",
        label=0,
        size=1200,
        percentage=24.0,
        means={"annual_income": 95.0, "age": 40.0},
        overall_means={"annual_income": 60.0, "age": 41.0},
        z_scores={"annual_income": 1.4, "age": -0.05},
        traits=["Higher income bracket", "Primarily from North region"],
    )
    assert text == (
        "Cluster 0 (High Value Customers) contains 1,200 customers (24% of total). "
        "Characterized by high annual_income (avg: 95.00 vs 60.00 overall). "
        "Primarily from North region."
    )


def test_recommendation_by_name_and_by_size():
    assert recommendation(name="High Value Customers", label=0, percentage=20.0, rank=1) == (
        'Target "High Value Customers" with loyalty programs and premium offers to keep their '
        "high engagement."
    )
    assert recommendation(name="High x", label=1, percentage=40.0, rank=0).startswith(
        '"High x" (Core Segment - 40.0%)'
    )
    assert "Major Segment" in recommendation(name="Low x", label=2, percentage=25, rank=1)
    assert "Niche Segment" in recommendation(name="Low y", label=3, percentage=5, rank=2)
    assert "outliers" in recommendation(name=NOISE_NAME, label=-1, percentage=3.0, rank=-1)


def test_recommendation_quotes_the_figures_it_is_given():
    assert recommendation(
        name="High Value Customers",
        label=0,
        percentage=20.0,
        rank=1,
        figures="annual income 95, spending score 81 on average",
    ) == (
        'Target "High Value Customers" (annual income 95, spending score 81 on average) with '
        "loyalty programs and premium offers to keep their high engagement."
    )
