"""Who may be signed in: an active account that still holds a post, if it ever held one.

Django's ModelBackend already refuses inactive accounts, at sign-in and on every request
of a session (`get_user`), and a session ends when the password changes (the session
auth hash). This backend adds the posts: once every post a user held has ended, the
account signs in no more and its sessions stop working at the next request. An account
that never held a post (just created, its first post not yet granted; a superuser)
signs in as before and sees nothing. API tokens apply the same rule
(banyan.accounts.tokens).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from .models import Post


def standing(user_ref: str = "pk") -> dict[str, Exists]:
    """Annotations that let `holds_standing` decide without another query."""
    posts = Post.objects.filter(user_id=OuterRef(user_ref))
    return {"held_a_post": Exists(posts), "holds_a_post": Exists(posts.filter(active=True))}


def holds_standing(user: Any) -> bool:
    """False when every post the user ever held has ended (annotated by `standing`, or read)."""
    held_a_post = getattr(user, "held_a_post", None)
    holds_a_post = getattr(user, "holds_a_post", None)
    if held_a_post is None or holds_a_post is None:
        posts = Post.objects.filter(user_id=user.pk)
        held_a_post, holds_a_post = posts.exists(), posts.filter(active=True).exists()
    return holds_a_post or not held_a_post


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and holds_standing(user)

    def get_user(self, user_id: Any) -> Any:
        # One query, as ModelBackend's: the user with its standing annotated.
        user = get_user_model()._default_manager.annotate(**standing()).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
