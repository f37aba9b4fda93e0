"""Forms of the profile pages: customer look-up, saved profiles and predict. Like serializers,
they check shape and types only; every rule that needs the database lives in the services the
pages call."""

from django import forms

from profiles.models import CustomerProfile
from profiles.predictor.fields import SEX_VALUES


class CustomerLookupForm(forms.Form):
    customer_id = forms.CharField(
        label="Customer id", max_length=128, help_text="The id from the dataset's id column."
    )


class ProfileForm(forms.ModelForm):
    """A saved customer profile (document 004's fields)."""

    class Meta:
        model = CustomerProfile
        fields = [
            "name",
            "sex",
            "age",
            "annual_income",
            "spending_score",
            "purchase_frequency",
            "notes",
        ]
        labels = {
            "annual_income": "Annual income (k$)",
            "spending_score": "Spending score (1-100)",
            "purchase_frequency": "Purchases per year",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class PredictForm(forms.Form):
    """One customer, with a field per feature of the published model (document 004's names,
    `sex`, `age`..., where the dataset's roles give them)."""

    def __init__(self, *args, inputs: tuple, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for feature in inputs:
            key = feature.alias or feature.name
            label = key.replace("_", " ").capitalize()
            if feature.kind == "numeric":
                self.fields[key] = forms.FloatField(
                    label=label, widget=forms.NumberInput(attrs={"step": "any"})
                )
            else:
                values = SEX_VALUES if key == "sex" else feature.categories
                self.fields[key] = forms.ChoiceField(
                    label=label, choices=[("", "— choose —"), *((v, v) for v in values)]
                )

    def record(self) -> dict:
        """The customer as the prediction service takes it (whole numbers stay whole)."""
        return {
            key: int(value) if isinstance(value, float) and value.is_integer() else value
            for key, value in self.cleaned_data.items()
        }
