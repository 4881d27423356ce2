"""API tokens and sessions end with the password, the account or the last post, and expire
(SECURITY.md 22)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from banyan.accounts import services
from banyan.accounts.models import ApiToken
from banyan.accounts.roles import Role
from banyan.accounts.tokens import token_authenticate, token_issue, token_lifetime

from .factories import PASSWORD, make_post, make_user

NODES = "/api/v1/nodes"


def _api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/posts/").status_code == 200
    return client


def _is_signed_out(client: Client) -> bool:
    response = client.get("/accounts/posts/")
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_token_works_until_something_ends_it(world):
    token = token_issue(user=world.bob)
    assert _api(token).get(NODES).status_code == 200


def test_a_password_set_and_saved_ends_the_users_tokens(world):
    token = token_issue(user=world.bob)
    world.bob.set_password("a-new-password-for-bob")
    world.bob.save()
    assert _api(token).get(NODES).status_code == 401
    assert token_authenticate(token) is None


def test_a_password_changed_in_the_admin_ends_the_users_tokens_and_sessions(world):
    token = token_issue(user=world.bob)
    session = _signed_in(world.bob)
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    admin = Client()
    admin.force_login(root)
    response = admin.post(
        f"/admin/auth/user/{world.bob.pk}/password/",
        {"password1": "b0b-has-a-new-passw0rd", "password2": "b0b-has-a-new-passw0rd"},
    )
    assert response.status_code == 302
    assert _api(token).get(NODES).status_code == 401
    assert _is_signed_out(session)


def test_a_password_changed_by_the_management_command_ends_the_users_tokens(world, monkeypatch):
    token = token_issue(user=world.bob)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "b0b-has-a-new-passw0rd")
    call_command("changepassword", "bob", stdout=None)
    assert _api(token).get(NODES).status_code == 401


def test_a_new_token_after_the_password_change_works_and_the_old_rows_go(world):
    old = token_issue(user=world.bob)
    world.bob.set_password("a-new-password-for-bob")
    world.bob.save()
    new = token_issue(user=world.bob)
    assert _api(new).get(NODES).status_code == 200
    assert _api(old).get(NODES).status_code == 401
    assert ApiToken.objects.filter(user=world.bob).count() == 1


def test_deactivating_an_account_ends_its_tokens_and_sessions(world):
    token = token_issue(user=world.bob)
    session = _signed_in(world.bob)
    world.bob.is_active = False
    world.bob.save()
    assert _api(token).get(NODES).status_code == 401
    assert _is_signed_out(session)


def test_the_end_of_the_last_post_ends_tokens_and_sessions_at_once(world):
    token = token_issue(user=world.bob)
    session = _signed_in(world.bob)
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    assert _api(token).get(NODES).status_code == 401
    assert not ApiToken.objects.filter(user=world.bob).exists()
    assert _is_signed_out(session)
    # Nor can the account sign in again, with the same answer as a wrong password.
    response = Client().post(
        "/accounts/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert (
        Client()
        .post("/api/v1/auth/token", {"username": "bob", "password": PASSWORD}, "application/json")
        .status_code
        == 401
    )


def test_a_post_ended_in_the_admin_ends_sessions_too(world):
    session = _signed_in(world.bob)
    token = token_issue(user=world.bob)
    world.posts.bob.active = False
    world.posts.bob.save()
    assert _is_signed_out(session)
    assert _api(token).get(NODES).status_code == 401


def test_ending_one_of_two_posts_keeps_tokens_and_sessions(world):
    make_post(world.bob, Role.GRID_MANAGER, world.l2_2_1)
    token = token_issue(user=world.bob)
    session = _signed_in(world.bob)
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    assert _api(token).get(NODES).status_code == 200
    assert not _is_signed_out(session)


def test_an_account_that_never_had_a_post_still_signs_in(world):
    """A new account signs in before its first post is granted; it just sees nothing."""
    make_user("newcomer")
    response = Client().post(
        "/accounts/login/", {"username": "newcomer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.4"
    )
    assert response.status_code == 302


def test_tokens_expire_after_thirty_days_by_default(world):
    assert token_lifetime() == dt.timedelta(days=30)
    token = token_issue(user=world.bob)
    now = timezone.now()
    with time_machine.travel(now + dt.timedelta(days=29, hours=23), tick=False):
        assert _api(token).get(NODES).status_code == 200
    with time_machine.travel(now + dt.timedelta(days=30, minutes=1), tick=False):
        assert _api(token).get(NODES).status_code == 401


def test_the_token_lifetime_is_a_setting(world, settings):
    settings.BANYAN_TOKEN_LIFETIME_HOURS = 8
    token = token_issue(user=world.bob)
    row = ApiToken.objects.get(user=world.bob)
    assert row.expires_at - row.created_at == dt.timedelta(hours=8)
    response = Client().post(
        "/api/v1/auth/token", {"username": "bob", "password": PASSWORD}, "application/json"
    )
    assert response.json()["expires_in"] == 8 * 3600
    with time_machine.travel(timezone.now() + dt.timedelta(hours=8, minutes=1)):
        assert _api(token).get(NODES).status_code == 401


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1e90", "100000"])
def test_a_bad_token_lifetime_is_refused_at_start(value):
    from banyan.settings.base import _token_lifetime_hours

    with pytest.raises(Exception, match="BANYAN_TOKEN_LIFETIME_HOURS"):
        _token_lifetime_hours(value)
