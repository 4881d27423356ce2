"""Sessions end for good (SECURITY.md 15, 22): when the last post ends, the account is
deactivated or its password is changed by an administrator, the user's browser sessions
are deleted, so that a post granted later, or the account reactivated, brings none back."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from banyan.accounts import services
from banyan.accounts.models import Post, UserSession
from banyan.accounts.roles import Role
from banyan.accounts.tokens import token_issue

from .factories import PASSWORD, make_post

POSTS = "/accounts/posts/"
NODES = "/api/v1/nodes"


def _signed_in(username: str, address: str = "10.0.0.1") -> Client:
    """Signed in through the sign-in page, as a person is."""
    client = Client(REMOTE_ADDR=address)
    r = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert r.status_code == 302
    assert client.get(POSTS).status_code == 200
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(POSTS).status_code == 200


def _api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def _admin() -> Client:
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(root)
    return client


def test_a_sign_in_records_its_session_and_a_sign_out_forgets_it(world):
    client = _signed_in("bob")
    key = client.cookies["sessionid"].value
    assert list(UserSession.objects.values_list("user_id", "session_key")) == [(world.bob.pk, key)]
    client.post("/accounts/logout/")
    assert not UserSession.objects.exists()
    assert not Session.objects.filter(session_key=key).exists()


def test_sessions_that_expired_are_forgotten_at_the_next_sign_in(world):
    first = _signed_in("bob")
    Session.objects.filter(session_key=first.cookies["sessionid"].value).delete()
    second = _signed_in("bob", "10.0.0.2")
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        second.cookies["sessionid"].value
    ]


def test_a_session_past_its_expiry_is_forgotten_though_still_stored(world):
    # The session table keeps expired rows until `clearsessions` runs.
    first = _signed_in("bob")
    Session.objects.filter(session_key=first.cookies["sessionid"].value).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    second = _signed_in("bob", "10.0.0.2")
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        second.cookies["sessionid"].value
    ]


def test_a_sign_in_costs_the_same_queries_however_many_sessions_are_left_open(world):
    """Someone who never signs out (the benchmark signs in hundreds of times) must not
    make each sign-in look up every session they left behind, one query each."""

    def sign_in_queries() -> int:
        client = Client(REMOTE_ADDR="10.0.0.9")
        with CaptureQueriesContext(connection) as queries:
            r = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
            assert r.status_code == 302
            client.get(POSTS)
        return len(queries)

    sign_in_queries()
    with_one_left = sign_in_queries()
    for _ in range(5):
        sign_in_queries()
    assert UserSession.objects.filter(user_id=world.bob.pk).count() == 7
    assert sign_in_queries() == with_one_left


def test_a_session_of_a_user_whose_last_post_ended_does_not_come_back_with_a_new_post(world):
    phone, laptop = _signed_in("bob"), _signed_in("bob", "10.0.0.2")
    keys = [c.cookies["sessionid"].value for c in (phone, laptop)]
    token = token_issue(user=world.bob)
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=world.bob).exists()
    services.post_grant(
        actor=world.alice, user=world.bob, role=Role.GRID_MANAGER, node=world.l2_1_1
    )
    assert not _is_signed_in(phone) and not _is_signed_in(laptop)
    assert _api(token).get(NODES).status_code == 401
    # Signing in again works, with a new session.
    assert _is_signed_in(_signed_in("bob", "10.0.0.3"))


def test_the_revocation_event_says_how_many_sessions_ended(world):
    _signed_in("bob")
    _signed_in("bob", "10.0.0.2")
    token_issue(user=world.bob)
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    from banyan.timeline.models import Event

    data = Event.objects.get(verb="post_revoked").data
    assert (data["sessions_ended"], data["tokens_revoked"]) == (2, 1)


def test_ending_one_of_two_posts_keeps_the_sessions(world):
    make_post(world.bob, Role.GRID_MANAGER, world.l2_2_1)
    client = _signed_in("bob")
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    assert _is_signed_in(client)
    assert UserSession.objects.filter(user=world.bob).exists()


def test_other_users_sessions_are_untouched(world):
    bob, charlie = _signed_in("bob"), _signed_in("charlie", "10.0.0.2")
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    assert not _is_signed_in(bob) and _is_signed_in(charlie)


def test_a_deactivated_account_reactivated_brings_no_session_or_token_back(world):
    client = _signed_in("bob")
    token = token_issue(user=world.bob)
    world.bob.is_active = False
    world.bob.save()
    world.bob.is_active = True
    world.bob.save()
    assert not _is_signed_in(client)
    assert _api(token).get(NODES).status_code == 401


def test_deactivating_in_the_admin_ends_the_sessions_at_once(world):
    client = _signed_in("bob")
    key = client.cookies["sessionid"].value
    user = world.bob
    r = _admin().post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": "",
            "email": "",
            "is_active": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    assert r.status_code == 302, r.content[:2000]
    assert not Session.objects.filter(session_key=key).exists()


def test_a_password_changed_by_an_administrator_deletes_the_sessions_at_once(world):
    client = _signed_in("bob")
    key = client.cookies["sessionid"].value
    r = _admin().post(
        f"/admin/auth/user/{world.bob.pk}/password/",
        {"password1": "b0b-has-a-new-passw0rd", "password2": "b0b-has-a-new-passw0rd"},
    )
    assert r.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=world.bob).exists()


def test_an_administrator_who_changes_their_own_password_stays_signed_in(world):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    admin = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        admin.post("/accounts/login/", {"username": "root", "password": PASSWORD}).status_code
        == 302
    )
    r = admin.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "r00t-has-a-new-passw0rd", "password2": "r00t-has-a-new-passw0rd"},
    )
    assert r.status_code == 302
    assert admin.get("/admin/").status_code == 200
    # The session's new key is recorded, so it can still be ended later.
    assert list(UserSession.objects.filter(user=root).values_list("session_key", flat=True)) == [
        admin.cookies["sessionid"].value
    ]


def test_signing_in_updates_last_login_without_ending_other_sessions(world):
    phone = _signed_in("bob")
    _signed_in("bob", "10.0.0.2")
    assert _is_signed_in(phone)


def test_a_post_ended_in_the_admin_ends_sessions_for_good(world):
    client = _signed_in("bob")
    token = token_issue(user=world.bob)
    post = world.posts.bob
    r = _admin().post(
        f"/admin/accounts/post/{post.pk}/change/",
        {
            "user": world.bob.pk,
            "role": post.role,
            "node": post.node_id,
            "building": "",
            "community": post.community_id,
            "title": "",
            "active": "",
        },
    )
    assert r.status_code == 302, r.content[:3000]
    make_post(world.bob, Role.GRID_MANAGER, world.l2_1_1)
    assert not _is_signed_in(client)
    assert _api(token).get(NODES).status_code == 401


def test_a_users_posts_deleted_in_the_admin_end_the_sessions(world):
    client = _signed_in("bob")
    r = _admin().post(
        "/admin/accounts/post/",
        {
            "action": "delete_selected",
            "_selected_action": [world.posts.bob.pk],
            "post": "yes",
        },
    )
    assert r.status_code == 302
    assert not Post.objects.filter(user=world.bob).exists()
    # An account without any post signs in (and sees nothing), but not with the old session.
    assert not _is_signed_in(client)
