"""Passwords are stored with Argon2id at the chosen parameters; older hashes upgrade."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import override_settings

from banyan.settings import base

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_new_passwords_are_argon2id_at_owasp_parameters() -> None:
    encoded = make_password("a long passphrase")
    assert encoded.startswith("argon2$argon2id$")
    assert "$m=19456,t=2,p=1$" in encoded
    assert identify_hasher(encoded).algorithm == "argon2"


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS, AXES_ENABLED=False)
def test_a_pbkdf2_hash_is_upgraded_at_sign_in() -> None:
    user = get_user_model().objects.create(username="old-hash")
    user.password = make_password("a long passphrase", hasher="pbkdf2_sha256")
    user.save()

    assert authenticate(username="old-hash", password="a long passphrase") == user

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert authenticate(username="old-hash", password="wrong") is None
