"""Pages every app shapes the same way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
