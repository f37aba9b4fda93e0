"""prepare(): feature choice from the schema, imputation, scaling, one-hot, PCA, roles."""

import numpy as np
import pandas as pd
import pytest

from clustering.engine import EngineInputError, infer_schema
from clustering.engine.preprocess import MAX_CATEGORIES_PER_COLUMN, category_string, prepare
from tests.clustering.engine.conftest import CUSTOMER_SCHEMA


def test_prepare_imputes_the_median_and_standardises():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0, 100.0], "b": [5, 5, 5, 5, 5]})
    prepared = prepare(frame, schema=None, features=None)
    assert prepared.transform["numeric"]["medians"] == [3.0, 5.0]
    filled = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert np.allclose(prepared.matrix[:, 0], (filled - filled.mean()) / filled.std(), atol=1e-6)
    assert np.isnan(prepared.raw("a")[2])  # profiles see the real values, not the median
    assert (prepared.matrix[:, 1] == 0).all()  # a constant column scales to zero, not NaN
    assert prepared.matrix.dtype == np.float32


def test_prepare_without_normalize_keeps_units():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0]})
    prepared = prepare(frame, schema=None, features=None, normalize=False)
    assert prepared.matrix[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_prepare_one_hot_encodes_categories_and_ignores_missing():
    frame = pd.DataFrame({"g": ["b", "a", None, "b", "a"], "x": [1, 2, 3, 4, 5]})
    prepared = prepare(frame, schema=None, features=["g"])
    assert prepared.encoded_names == ("g=a", "g=b")
    assert prepared.matrix.tolist() == [[0, 1], [1, 0], [0, 0], [0, 1], [1, 0]]


def test_prepare_keeps_the_most_frequent_categories_and_says_so():
    values = [f"v{i}" for i in range(MAX_CATEGORIES_PER_COLUMN + 10)] + ["v0"] * 20
    prepared = prepare(pd.DataFrame({"c": values}), schema=None, features=["c"])
    assert len(prepared.transform["categorical"]["categories"][0]) == MAX_CATEGORIES_PER_COLUMN
    assert "v0" in prepared.transform["categorical"]["categories"][0]
    assert any("60 distinct values" in note for note in prepared.notes)


def test_prepare_leaves_out_ids_text_and_dates_unless_named():
    frame = pd.DataFrame(
        {
            "customer_id": [10, 11, 12, 13, 14],
            "signed_up": pd.to_datetime(["2024-01-01"] * 4 + ["2024-02-01"]),
            "age": [20, 30, 40, 50, 60],
        }
    )
    assert prepare(frame, schema=None, features=None).features == ("age",)
    named = prepare(frame, schema=None, features=["age", "signed_up"])
    assert named.features == ("age", "signed_up")
    assert named.raw("signed_up")[4] - named.raw("signed_up")[0] == 31  # dates count in days
    assert any("signed_up" in note for note in named.notes)


def test_prepare_follows_the_schema_kinds_and_roles(customers):
    frame, _ = customers
    prepared = prepare(frame, schema=CUSTOMER_SCHEMA, features=None)
    assert prepared.numeric_columns == (
        "age",
        "annual_income",
        "spending_score",
        "purchase_frequency",
    )
    assert prepared.categorical_columns == ("gender", "region")
    assert prepared.roles["annual_income"] == "income"


def test_prepare_treats_a_numeric_code_column_as_categories_when_the_schema_says_so():
    frame = pd.DataFrame({"store": [1, 2, 1, 2, 3.0]})
    schema = [{"name": "store", "dtype": "int64", "kind": "categorical", "role": None}]
    prepared = prepare(frame, schema=schema, features=None)
    assert prepared.encoded_names == ("store=1", "store=2", "store=3")


def test_prepare_rejects_an_all_missing_numeric_column():
    frame = pd.DataFrame({"a": [np.nan] * 5, "b": [1, 2, 3, 4, 5]})
    with pytest.raises(EngineInputError, match="Column 'a' has no numeric values"):
        prepare(frame, schema=None, features=None)


def test_prepare_pca_by_variance_share():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(200, 1))
    frame = pd.DataFrame(np.hstack([base, base * 2, rng.normal(size=(200, 1)) * 0.01]))
    frame.columns = ["a", "b", "c"]
    prepared = prepare(frame, schema=None, features=None, use_pca=True, pca_variance=0.6)
    assert prepared.matrix.shape == (200, 1)
    assert "PCA kept 1 of 3" in prepared.notes[-1]


def test_infer_schema_guesses_kinds_and_roles_from_names():
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "Age": [30, 40],
            "Income": [1.0, 2.0],
            "Spending_Score": [1, 2],
            "purchases": [3, 4],
            "percentage": [0.1, 0.2],
            "region": ["N", "S"],
        }
    )
    schema = {entry["name"]: entry for entry in infer_schema(frame)}
    assert schema["id"]["kind"] == "id"
    assert schema["Age"]["role"] == "age"
    assert schema["Income"]["role"] == "income"
    assert schema["Spending_Score"]["role"] == "spending_score"
    assert schema["purchases"]["role"] == "purchase_frequency"
    assert schema["percentage"]["role"] is None
    assert schema["region"]["kind"] == "categorical"
    assert schema["region"]["role"] == "region"
    assert schema["region"]["missing"] == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1"),
        (1.0, "1"),
        ("1", "1"),
        (1.5, "1.5"),
        (None, None),
        (float("nan"), None),
        (True, "True"),
        (" North ", "North"),
        ("", None),
    ],
)
def test_category_string_makes_equal_values_equal(value, expected):
    assert category_string(value) == expected


def test_prepare_accepts_column_names_that_are_not_text():
    frame = pd.DataFrame({0: [1.0, 2.0, 3.0, 4.0, 5.0], 1: [5.0, 4.0, 3.0, 2.0, 1.0]})
    assert prepare(frame, schema=None, features=["0"]).features == ("0",)


def test_prepare_rejects_repeated_column_names():
    frame = pd.DataFrame([[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]], columns=["a", "a"])
    with pytest.raises(EngineInputError, match="Column names must be unique; repeated: a"):
        prepare(frame, schema=None, features=None)


def test_prepare_encodes_unhashable_values_by_their_text():
    frame = pd.DataFrame({"tags": [["a"], ["b"], ["a"], None, ["b"]], "x": [1, 2, 3, 4, 5]})
    prepared = prepare(frame, schema=None, features=["tags"])
    assert prepared.encoded_names == ("tags=['a']", "tags=['b']")
    assert prepared.matrix.sum(axis=1).tolist() == [1, 1, 1, 0, 1]
