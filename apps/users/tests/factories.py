import factory

from apps.users.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"modeller{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Ada"
    last_name = "Lovelace"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "Correct-Horse-42-battery")
        if create:
            obj.save()
