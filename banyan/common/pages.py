"""Pages every app shapes the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import run_service

T = TypeVar("T")


def form_page(
    request: HttpRequest,
    form: forms.Form,
    title: str,
    back: str = "",
    subtitle: str = "",
    *,
    template: str = "form_page.html",
    **extra: Any,
) -> HttpResponse:
    """A page holding one form: its title and what it is about, Save, and Cancel back to
    `back`. A template extending form_page.html can add to it (`after_form`)."""
    context = {"form": form, "title": title, "subtitle": subtitle, "back": back, **extra}
    return render(request, template, context)


def form_view(
    request: HttpRequest,
    form: Callable[..., forms.Form],
    save: Callable[[dict[str, Any]], T | None],
    *,
    done: str | Callable[[T], str] | None,
    then: str | Callable[[T], Any],
    title: str = "",
    back: str = "",
    subtitle: str = "",
    initial: Mapping[str, Any] | None = None,
    current: Callable[[Any], dict[str, Any]] | None = None,
    files: bool = False,
    template: str = "form_page.html",
    context: Mapping[str, Any] | None = None,
    **form_kwargs: Any,
) -> HttpResponse:
    """A form page, the whole way: load (the caller, through its selector) → form →
    service → message → redirect.

    The form is `form` (its class, or a function taking the same arguments) bound to the
    POST, with `initial` and `form_kwargs`. A valid POST calls the one service,
    `save(cleaned_data)`; once it is done the user gets the message `done` (None: none)
    and a redirect to `then` (each a value or a function of what the service returned;
    `then` as `redirect` takes it). Otherwise the page is shown (`form_page` with `title`,
    `back` and `subtitle`, or `template` with `context` too): on a GET, an invalid form,
    a DomainError (on its field: common.forms.run_service) or someone else's edit since
    the page was read (the form again at the version now, `current` giving the form's
    values for the row now: common.forms.show_stale). The service's transaction has
    rolled back then: nothing is half-written."""
    data = (request.POST or None, (request.FILES or None) if files else None)
    built = form(*data, initial=dict(initial or {}), **form_kwargs)
    if request.method == "POST" and built.is_valid():
        result = run_service(built, lambda: save(built.cleaned_data), current=current)
        if result is not None:
            if done is not None:
                messages.success(request, done(result) if callable(done) else done)
            return redirect(then(result) if callable(then) else then)
    return form_page(request, built, title, back, subtitle, template=template, **(context or {}))
