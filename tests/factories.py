"""One factory per model. A test passes only the fields it is about."""

import factory
from django.contrib.auth import get_user_model

DEFAULT_PASSWORD = "Correct-Horse-Battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    full_name = factory.Faker("name")
    role = "user"
    password = factory.django.Password(DEFAULT_PASSWORD)
