from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "banyan.common"
    label = "common"
