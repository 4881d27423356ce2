from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "banyan.api"
    label = "api"
