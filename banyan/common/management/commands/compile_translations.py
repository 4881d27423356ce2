"""Compile every django.po into django.mo with polib, so no GNU gettext is needed.

Like Django's compilemessages it skips a catalogue whose .mo is at least as new as
its .po, and like `msgfmt --check-format` it refuses a translation whose %-placeholders
do not fit its msgid: such a translation would raise KeyError (Python) or silently fall
back to English (blocktranslate) at runtime.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

# One %-directive as Python's str % mapping understands it, "%%" included.
_DIRECTIVE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)


def format_directives(text: str) -> list[tuple[str | None, str]] | None:
    """The (name, conversion) of each %-directive in `text`, or None if one is malformed."""
    found: list[tuple[str | None, str]] = []
    position = text.find("%")
    while position != -1:
        match = _DIRECTIVE.match(text, position)
        if match is None:
            return None
        if match["conv"] != "%":
            found.append((match["name"], match["conv"]))
        position = text.find("%", match.end())
    return found


def is_python_format(text: str) -> bool:
    return bool(format_directives(text))


def placeholder_problem(entry: polib.POEntry) -> str | None:
    """Why the translations of a python-format entry would break `%`, or None if they fit."""
    if "python-format" not in entry.flags or not entry.translated():
        return None
    sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
    source_directives = [format_directives(text) or [] for text in sources]
    names = {name for directives in source_directives for name, _ in directives if name}
    translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    for translation in translations:
        directives = format_directives(translation)
        if directives is None:
            return "the translation has a lone % (write %% for a literal percent sign)"
        used = {name for name, _ in directives if name}
        if used - names:
            unknown = ", ".join(sorted(used - names))
            return f"the translation uses placeholders the source does not have: {unknown}"
        positional = [conv for name, conv in directives if not name]
        if positional and positional not in [
            [conv for name, conv in d if not name] for d in source_directives
        ]:
            return "the translation's unnamed placeholders do not match the source's"
    return None


def locale_dirs(*, source_root: Path, extra: list[Path] | None) -> list[Path]:
    """LOCALE_PATHS (or the directories given) plus every app's locale/ under source_root."""
    dirs = extra if extra else [Path(p) for p in settings.LOCALE_PATHS]
    dirs = [*dirs, *sorted(source_root.glob("*/locale"))]
    unique: dict[Path, None] = {}
    for directory in dirs:
        unique.setdefault(directory.resolve(), None)
    return [d for d in unique if d.is_dir()]


def compile_po(po_path: Path, mo_path: Path) -> None:
    """Write mo_path from po_path atomically, so a running server never reads half a file."""
    catalogue = polib.pofile(str(po_path))
    problems = [
        f"{po_path}:{entry.linenum}: {entry.msgid!r}: {problem}"
        for entry in catalogue
        if (problem := placeholder_problem(entry))
    ]
    if problems:
        raise CommandError("Not compiled, fix these translations first:\n" + "\n".join(problems))
    fd, temporary = tempfile.mkstemp(dir=mo_path.parent, prefix=".django.", suffix=".mo")
    os.close(fd)
    try:
        catalogue.save_as_mofile(temporary)
        # mkstemp creates 0600; give the .mo the .po's permissions so the server can read it.
        os.chmod(temporary, po_path.stat().st_mode & 0o777)
        os.replace(temporary, mo_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Compile .po catalogues to .mo with polib (no GNU gettext needed)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locale-dir",
            action="append",
            type=Path,
            dest="locale_dirs",
            help="Search this directory instead of settings.LOCALE_PATHS (repeatable).",
        )
        parser.add_argument(
            "--source-root",
            type=Path,
            default=None,
            help="Package whose */locale directories are searched too (default: banyan/).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Compile even when the .mo is up to date."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source_root = options["source_root"] or Path(settings.BASE_DIR) / "banyan"
        compiled = 0
        for directory in locale_dirs(source_root=source_root, extra=options["locale_dirs"]):
            for po_path in sorted(directory.rglob("*.po")):
                mo_path = po_path.with_suffix(".mo")
                up_to_date = mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime
                if up_to_date and not options["force"]:
                    if options["verbosity"] >= 2:
                        self.stdout.write(f"up to date: {po_path}")
                    continue
                compile_po(po_path, mo_path)
                compiled += 1
                self.stdout.write(f"compiled {po_path} -> {mo_path.name}")
        if not compiled:
            self.stdout.write("nothing to compile")
