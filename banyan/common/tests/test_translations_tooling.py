from __future__ import annotations

import ast
import gettext
import os
import re
import textwrap
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.utils import translation
from django.utils.translation.template import templatize

PYTHON_SOURCE = """
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

# Translators: a grid with nobody assigned to it
NO_MANAGER = gettext_lazy("No manager")


def describe(name, n, variable):
    moved = _("Household %(name)s moved") % {"name": name}
    joined = _("Part one, "
               "part two")
    added = _("Plus" + "sign")
    counted = ngettext("%(n)d resident", "%(n)d residents", n) % {"n": n}
    month = pgettext("month name", "May")
    dotted = translation.gettext("Dotted")
    dynamic = _(variable)
    broken = _(f"Hello {name}")
    return moved, joined, added, counted, month, dotted, dynamic, broken
"""

TEMPLATE_SOURCE = """\
{% load i18n %}
{# Translators: the dashboard heading #}
<h1>{% translate "Welcome" %}</h1>
<p>{% trans 'Grid "1-1"' context "place" %}</p>
{% blocktranslate with name=home.name %}Household {{ name }} has 100% cover{% endblocktranslate %}
{% blocktranslate trimmed count counter=people|length %}
  There is {{ counter }}
  person.
{% plural %}
  There are {{ counter }}
  people.
{% endblocktranslate %}
{% blocktrans trimmed with grid=node.name|upper context "map" %}
    Map of
       {{ grid }}
{% endblocktrans %}
<p>{{ manager|default:_("nobody") }}</p>
{% comment %}{% translate "Commented out" %}{% endcomment %}
{% translate "Saved 50%" %}
{% translate some_variable %}
"""

TRANSLATIONS = {
    "Welcome": "欢迎",
    ("place", 'Grid "1-1"'): "网格“1-1”",
    "Household %(name)s has 100%% cover": "住户 %(name)s 覆盖率 100%%",
    ("map", "Map of %(grid)s"): "%(grid)s 地图",
    "nobody": "无人",
    "Saved 50%%": "已保存 50%",
}


def _make_tree(root: Path) -> tuple[Path, Path]:
    source_root = root / "project" / "banyan"
    (source_root / "places" / "templates" / "places").mkdir(parents=True)
    (source_root / "places" / "views.py").write_text(PYTHON_SOURCE, encoding="utf-8")
    template = source_root / "places" / "templates" / "places" / "dashboard.html"
    template.write_text(TEMPLATE_SOURCE, encoding="utf-8")
    (source_root / "places" / "tests").mkdir()
    (source_root / "places" / "tests" / "test_views.py").write_text(
        'from django.utils.translation import gettext as _\n_("Only in a test")\n'
    )
    return source_root, root / "project" / "banyan" / "locale"


def _make(source_root: Path, locale_dir: Path, *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "make_translations",
        "--source-root",
        str(source_root),
        "--locale-dir",
        str(locale_dir),
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def _compile(source_root: Path, locale_dir: Path, *extra: str) -> str:
    out = StringIO()
    call_command(
        "compile_translations",
        "--source-root",
        str(source_root),
        "--locale-dir",
        str(locale_dir),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _po_path(locale_dir: Path) -> Path:
    return locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entry(catalogue: polib.POFile, msgid: str, msgctxt: str | None = None) -> polib.POEntry:
    entry = catalogue.find(msgid, msgctxt=msgctxt if msgctxt is not None else False)
    assert entry is not None, f"{msgid!r} was not extracted"
    return entry


@pytest.fixture
def tree(tmp_path):
    return _make_tree(tmp_path)


@pytest.fixture
def catalogue(tree) -> polib.POFile:
    _make(*tree)
    return polib.pofile(str(_po_path(tree[1])))


def _translate_all(po_path: Path, translations: dict) -> None:
    catalogue = polib.pofile(str(po_path))
    for key, text in translations.items():
        msgctxt, msgid = key if isinstance(key, tuple) else (None, key)
        _entry(catalogue, msgid, msgctxt).msgstr = text
    catalogue.save()


# --- extraction ---------------------------------------------------------------------------


def test_a_blocktranslate_variable_becomes_a_named_placeholder(catalogue):
    entry = _entry(catalogue, "Household %(name)s has 100%% cover")
    assert "python-format" in entry.flags


def test_trimmed_blocktranslate_joins_lines_with_single_spaces_and_keeps_its_plural(catalogue):
    entry = _entry(catalogue, "There is %(counter)s person.")
    assert entry.msgid_plural == "There are %(counter)s people."
    assert entry.msgstr_plural == {0: ""}  # Chinese has one plural form


def test_blocktrans_with_a_context_and_a_filtered_variable(catalogue):
    assert _entry(catalogue, "Map of %(grid)s", msgctxt="map").msgstr == ""


def test_template_msgids_match_what_djangos_makemessages_would_extract(catalogue):
    # makemessages feeds xgettext the output of templatize(); every string literal in it is a
    # msgid, plural or context. Ours must be the same set.
    templatized = templatize(TEMPLATE_SOURCE)
    literals = re.findall(r"""u?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""", templatized)
    expected = {ast.literal_eval(literal) for literal in literals}
    ours = set()
    for entry in catalogue:
        if any(path.endswith("dashboard.html") for path, _ in entry.occurrences):
            ours |= {entry.msgid, entry.msgid_plural, entry.msgctxt} - {"", None}
    assert ours == expected


def test_translate_tags_keep_their_context_and_double_a_percent_sign(catalogue):
    assert _entry(catalogue, 'Grid "1-1"', msgctxt="place")
    assert _entry(catalogue, "Saved 50%%")
    assert _entry(catalogue, "nobody")


def test_it_records_translator_comments_and_source_references(catalogue):
    welcome = _entry(catalogue, "Welcome")
    assert welcome.comment == "Translators: the dashboard heading"
    assert welcome.occurrences == [("banyan/places/templates/places/dashboard.html", "3")]
    no_manager = _entry(catalogue, "No manager")
    assert no_manager.comment == "Translators: a grid with nobody assigned to it"
    assert no_manager.occurrences == [("banyan/places/views.py", "7")]


def test_python_strings_are_extracted_with_concatenation_context_and_plurals(catalogue):
    assert "python-format" in _entry(catalogue, "Household %(name)s moved").flags
    assert _entry(catalogue, "Part one, part two")
    assert _entry(catalogue, "Plussign")
    assert _entry(catalogue, "%(n)d resident").msgid_plural == "%(n)d residents"
    assert _entry(catalogue, "May", msgctxt="month name")
    assert _entry(catalogue, "Dotted")


def test_it_skips_comments_variables_and_tests(catalogue):
    msgids = {entry.msgid for entry in catalogue}
    assert "Commented out" not in msgids
    assert "some_variable" not in msgids
    assert "Only in a test" not in msgids
    assert not any("Hello" in msgid for msgid in msgids)


def test_it_warns_about_an_f_string_in_gettext(tree):
    _, err = _make(*tree)
    assert "banyan/places/views.py:19" in err
    assert "f-string" in err


def test_a_broken_template_names_the_file_and_line(tree):
    source_root, locale_dir = tree
    broken = source_root / "places" / "templates" / "places" / "broken.html"
    broken.write_text("{% load i18n %}\n\n{% blocktranslate %}a {% if x %}{% endblocktranslate %}")
    with pytest.raises(CommandError, match=r"places/broken\.html:3"):
        _make(source_root, locale_dir)


# --- merging ------------------------------------------------------------------------------


def test_running_twice_changes_nothing(tree):
    _make(*tree)
    first = _po_path(tree[1]).read_text(encoding="utf-8")
    out, _ = _make(*tree)
    assert "unchanged" in out
    assert _po_path(tree[1]).read_text(encoding="utf-8") == first


def test_it_keeps_translations_adds_new_msgids_and_marks_removed_ones_obsolete(tree):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    po_path = _po_path(locale_dir)
    catalogue = polib.pofile(str(po_path))
    _entry(catalogue, "Welcome").msgstr = "欢迎"
    _entry(catalogue, "Welcome").tcomment = "reviewed by the street office"
    _entry(catalogue, "Dotted").msgstr = "点"
    catalogue.save()

    views = source_root / "places" / "views.py"
    views.write_text(
        views.read_text().replace('"Dotted"', '"Dashed"').replace('"May"', '"June"'),
        encoding="utf-8",
    )
    _make(source_root, locale_dir)

    catalogue = polib.pofile(str(po_path))
    welcome = _entry(catalogue, "Welcome")
    assert (welcome.msgstr, welcome.tcomment) == ("欢迎", "reviewed by the street office")
    assert _entry(catalogue, "Dashed").msgstr == ""
    dotted = catalogue.find("Dotted", include_obsolete_entries=True)
    assert dotted.obsolete
    assert dotted.msgstr == "点"
    # Nothing was translated for "May", so nothing is kept of it.
    assert catalogue.find("May", msgctxt="month name", include_obsolete_entries=True) is None


def test_an_obsolete_translation_comes_back_when_its_msgid_does(tree):
    source_root, locale_dir = tree
    views = source_root / "places" / "views.py"
    original = views.read_text()
    _make(source_root, locale_dir)
    _translate_all(_po_path(locale_dir), {"Dotted": "点"})
    views.write_text(original.replace('"Dotted"', '"Dashed"'))
    _make(source_root, locale_dir)
    views.write_text(original)
    _make(source_root, locale_dir)

    dotted = polib.pofile(str(_po_path(locale_dir))).find("Dotted")
    assert dotted is not None
    assert not dotted.obsolete
    assert dotted.msgstr == "点"


# --- check --------------------------------------------------------------------------------


def test_check_fails_and_lists_untranslated_msgids_without_writing(tree):
    source_root, locale_dir = tree
    with pytest.raises(CommandError, match="no usable zh_Hans translation"):
        _make(source_root, locale_dir, "--check")
    assert not _po_path(locale_dir).exists()


def test_check_names_each_untranslated_msgid(tree, capsys):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "make_translations",
            "--source-root",
            str(source_root),
            "--locale-dir",
            str(locale_dir),
            "--check",
            stdout=StringIO(),
            stderr=err,
        )
    listed = err.getvalue()
    assert "untranslated: 'Welcome' (banyan/places/templates/places/dashboard.html:3)" in listed
    assert "'There is %(counter)s person.'" in listed


def test_check_passes_once_everything_is_translated(tree):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    catalogue = polib.pofile(str(_po_path(locale_dir)))
    for entry in catalogue:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: "译 " + entry.msgid_plural}
        else:
            entry.msgstr = "译 " + entry.msgid
    catalogue.save()
    out, _ = _make(source_root, locale_dir, "--check")
    assert "every message has a zh_Hans translation" in out


def test_check_rejects_fuzzy_and_placeholder_mismatches(tree):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    catalogue = polib.pofile(str(_po_path(locale_dir)))
    for entry in catalogue:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: "译 " + entry.msgid_plural}
        else:
            entry.msgstr = "译 " + entry.msgid
    _entry(catalogue, "Welcome").flags.append("fuzzy")
    _entry(catalogue, "Household %(name)s moved").msgstr = "住户 %(household)s 已迁出"
    catalogue.save()
    err = StringIO()
    with pytest.raises(CommandError, match="2 messages"):
        call_command(
            "make_translations",
            "--source-root",
            str(source_root),
            "--locale-dir",
            str(locale_dir),
            "--check",
            stdout=StringIO(),
            stderr=err,
        )
    assert "fuzzy: 'Welcome'" in err.getvalue()
    assert "household" in err.getvalue()


# --- compiling ----------------------------------------------------------------------------


def test_a_compiled_catalogue_is_readable_by_python_gettext(tree):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    po_path = _po_path(locale_dir)
    _translate_all(po_path, TRANSLATIONS)
    catalogue = polib.pofile(str(po_path))
    _entry(catalogue, "There is %(counter)s person.").msgstr_plural = {0: "有 %(counter)s 人。"}
    catalogue.save()

    out = _compile(source_root, locale_dir)

    assert "compiled" in out
    with open(po_path.with_suffix(".mo"), "rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    assert compiled.gettext("Welcome") == "欢迎"
    assert compiled.pgettext("place", 'Grid "1-1"') == "网格“1-1”"
    assert compiled.ngettext(
        "There is %(counter)s person.", "There are %(counter)s people.", 5
    ) == ("有 %(counter)s 人。")
    assert compiled.gettext("Dotted") == "Dotted"  # untranslated falls back to the msgid
    assert compiled.info()["plural-forms"] == "nplurals=1; plural=0;"


def test_django_renders_the_template_in_chinese_from_the_compiled_catalogue(tree, settings):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    _translate_all(_po_path(locale_dir), TRANSLATIONS)
    _compile(source_root, locale_dir)
    settings.LOCALE_PATHS = [str(locale_dir)]

    with translation.override("zh-hans"):
        rendered = Template(TEMPLATE_SOURCE).render(
            Context({"home": {"name": "3-201"}, "node": {"name": "a"}, "people": [1, 2]})
        )

    assert "欢迎" in rendered
    assert "网格“1-1”" in rendered
    assert "住户 3-201 覆盖率 100%" in rendered
    assert "A 地图" in rendered
    assert "无人" in rendered
    assert "已保存 50%" in rendered


def test_it_compiles_only_when_the_po_is_newer_unless_forced(tree):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    po_path = _po_path(locale_dir)
    mo_path = po_path.with_suffix(".mo")

    assert "compiled" in _compile(source_root, locale_dir)
    assert "nothing to compile" in _compile(source_root, locale_dir)
    assert "compiled" in _compile(source_root, locale_dir, "--force")

    later = mo_path.stat().st_mtime + 10
    os.utime(po_path, (later, later))
    assert "compiled" in _compile(source_root, locale_dir)


def test_it_finds_catalogues_in_app_locale_dirs(tree):
    source_root, locale_dir = tree
    app_po = source_root / "places" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    app_po.parent.mkdir(parents=True)
    app_po.write_text(
        textwrap.dedent(
            """\
            msgid ""
            msgstr ""
            "Content-Type: text/plain; charset=UTF-8\\n"

            msgid "Building"
            msgstr "楼栋"
            """
        ),
        encoding="utf-8",
    )
    out = _compile(source_root, locale_dir)
    assert str(app_po) in out
    with open(app_po.with_suffix(".mo"), "rb") as fp:
        assert gettext.GNUTranslations(fp).gettext("Building") == "楼栋"


def test_it_refuses_a_translation_that_would_break_string_formatting(tree):
    source_root, locale_dir = tree
    _make(source_root, locale_dir)
    _translate_all(
        _po_path(locale_dir), {"Household %(name)s has 100%% cover": "住户 %(name)s 覆盖率 100%"}
    )
    with pytest.raises(CommandError, match="lone %"):
        _compile(source_root, locale_dir)
    assert not _po_path(locale_dir).with_suffix(".mo").exists()
