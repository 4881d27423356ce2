from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "banyan.demo"
    label = "demo"
