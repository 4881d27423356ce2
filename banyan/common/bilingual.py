"""Reference rows (person categories, case categories, facility kinds, care rules) are
named in Chinese, with an English name where someone gave one."""

from __future__ import annotations

from django.utils.translation import get_language


class BilingualName:
    """The row's name in the active language: English when the page is in English and an
    English name exists, else the Chinese one. Mixed in before models.Model."""

    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name
