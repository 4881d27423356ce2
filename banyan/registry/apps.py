from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "banyan.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from banyan.common.crypto import register_encrypted

        # ID numbers: re-encrypted and re-hashed by `manage.py rotate_data_key`.
        register_encrypted("registry.Person", "id_number_encrypted", "id_number_hash")
