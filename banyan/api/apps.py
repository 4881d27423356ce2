from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "banyan.api"
    label = "api"

    def ready(self) -> None:
        from banyan.common.error_pages import register_responder

        from .errors import error_response

        # An unknown URL or a server error under the API answers in JSON, not a page.
        register_responder("/api/", error_response)
