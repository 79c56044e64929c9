"""Factories for users holding one of the roles the migration creates, and their
authenticator apps."""

import hashlib
from binascii import unhexlify

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = "Test"
    last_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        """``UserFactory(roles=[MARKETING_EDITOR])``: join the groups the migration made."""
        if create and extracted:
            # get(), not get_or_create(): a missing group means the migration is broken.
            self.groups.add(*(Group.objects.get(name=name) for name in extracted))


def authenticator_key(username: str) -> str:
    """The TOTP key (hex) of the authenticator app ``give_authenticator`` sets up for
    ``username``: derived from the name, so a browser test can compute codes without the ORM."""
    return hashlib.sha256(f"test-authenticator:{username}".encode()).hexdigest()[:40]


def app_code(key_hex: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app with this key shows now (or ``steps_ahead`` codes on)."""
    return f"{totp(unhexlify(key_hex), drift=steps_ahead):06d}"


def give_authenticator(user: AbstractBaseUser) -> TOTPDevice:
    """A confirmed authenticator app for ``user``, as if they had set it up."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user,
        confirmed=True,
        defaults={"name": "Authenticator app", "key": authenticator_key(user.get_username())},
    )
    return device
