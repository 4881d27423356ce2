"""Sign-in, posts and the access log.

/accounts/posts/ is open to every signed-in user: everyone sees their own posts
(read-only), and an administrator (Cap.MANAGE_POSTS) also sees and manages every
post of their communities. Granting, revoking, creating accounts and the access
log are 404 for everyone else, like any object outside one's scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from banyan.common.errors import DomainError

from . import selectors, services
from .forms import LoginForm, PostGrantForm, UserCreateForm

PAGE_SIZE = 50
# The username of an account just created, offered on the grant form. Kept in the
# session rather than the URL: usernames stay out of URLs and access logs.
NEW_USERNAME_KEY = "accounts_new_username"


class LoginView(auth_views.LoginView):
    # django-axes counts failures per username and per address and answers with
    # accounts/locked.html once either is over the limit.
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def _require_manager(request: HttpRequest) -> None:
    if not selectors.managed_community_ids(user=request.user):
        raise Http404


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    can_manage = bool(selectors.managed_community_ids(user=request.user))
    page = None
    if can_manage:
        page = Paginator(selectors.post_list(user=request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    ctx = {
        "can_manage": can_manage,
        "page_obj": page,
        "own_posts": list(selectors.own_post_list(user=request.user)),
    }
    return render(request, "accounts/posts.html", ctx)


@login_required
def post_grant(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "POST":
        form = PostGrantForm(request.POST, actor=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = services.post_grant(
                    actor=request.user,
                    user=data["user"],
                    role=data["role"],
                    node=data["node"],
                    building=data["building"],
                    title=data["title"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Post granted: %(post)s.") % {"post": post})
                return redirect("accounts:posts")
    else:
        initial = {}
        username = request.session.pop(NEW_USERNAME_KEY, "")
        if username:
            initial["username"] = username
        form = PostGrantForm(actor=request.user, initial=initial)
    return render(request, "accounts/post_form.html", {"form": form})


@login_required
def post_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.post_revoke(actor=request.user, post=post)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Post revoked: %(post)s.") % {"post": post})
    return redirect("accounts:posts")


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "POST":
        form = UserCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    full_name=data["full_name"],
                    password=data["password"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                request.session[NEW_USERNAME_KEY] = user.get_username()
                messages.success(
                    request,
                    _("Account %(username)s created. Now give it a post.")
                    % {"username": user.get_username()},
                )
                return redirect("accounts:post-grant")
    else:
        form = UserCreateForm()
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    page = Paginator(selectors.access_log_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/access_log.html", {"page_obj": page})
