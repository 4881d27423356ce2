"""Open311 GeoReport v2 (namespace `open311`), mounted at /open311/v2/. Every resource is
offered as .xml (the spec's required format) and .json."""

from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("discovery.<open311_format:format>", views.discovery, name="discovery"),
    path("services.<open311_format:format>", views.service_list, name="services"),
    path(
        "services/<slug:code>.<open311_format:format>",
        views.service_definition,
        name="service-definition",
    ),
    path("requests.<open311_format:format>", views.requests, name="requests"),
    path(
        "requests/<str:request_id>.<open311_format:format>",
        views.request_detail,
        name="request-detail",
    ),
    path("tokens/<str:token>.<open311_format:format>", views.token, name="token"),
]
