"""Forms parse input; the services decide what is allowed and say why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from banyan.common.errors import DomainError
from banyan.places.models import Building, Node

from . import selectors
from .roles import Role

# The same words whether the username exists or not, is inactive or not (SECURITY.md 14).
BAD_LOGIN = _("The username or password is wrong. Both are case-sensitive.")


class LoginForm(AuthenticationForm):
    error_messages = {"invalid_login": BAD_LOGIN, "inactive": BAD_LOGIN}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocorrect="off")


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Node) -> str:  # type: ignore[override]
        return f"{'— ' * max(obj.depth - 2, 0)}{obj.name} ({obj.get_kind_display()})"


class BuildingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Building) -> str:  # type: ignore[override]
        return f"{obj.compound.name} {obj.number} ({obj.grid.name})"


class PostGrantForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"),
        # No default: a slip must not hand out a community administrator's post.
        choices=[("", "---------"), *((r.value, r.label) for r in selectors.GRANTABLE_ROLES)],
    )
    node = NodeChoiceField(label=_("Where"), queryset=Node.objects.none())
    building = BuildingChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        required=False,
        help_text=_("Building heads only: a building inside the chosen grid."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        required=False,
        help_text=_("Optional, as people say it (for example 党总支书记)."),
    )

    # Service field names that differ from the form's.
    field_names = {"user": "username"}

    def __init__(self, *args: Any, actor: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only nodes and buildings inside the actor's scope are choices: anything else
        # is "not a valid choice" on that field, never silently widened.
        self.fields["node"].queryset = selectors.grantable_node_list(user=actor)  # type: ignore[attr-defined]
        self.fields["building"].queryset = selectors.grantable_building_list(user=actor)  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        user = selectors.active_user_by_username(username)
        if user is None:
            raise forms.ValidationError(
                _("No active account has this username. Create the account first.")
            )
        self.cleaned_data["user"] = user
        return username

    def clean_role(self) -> Role:
        return Role(self.cleaned_data["role"])

    def add_domain_error(self, error: DomainError) -> None:
        field = self.field_names.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, error.message)


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; not a phone or ID number."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)
