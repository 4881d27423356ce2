"""Extract translatable strings into <locale-dir>/<locale>/LC_MESSAGES/django.po, no xgettext.

This does what `makemessages` does with GNU xgettext. Python files are read with `ast`:
calls to _(), gettext(), ngettext(), pgettext(), npgettext() and their _lazy/_noop forms
whose arguments are string literals (implicit and `+` concatenation included). Templates
are cut up by Django's own Lexer, and {% translate %} and {% blocktranslate %} are parsed by
Django's own tag functions, so a msgid is built by the very code that looks it up at
runtime: {{ var }} becomes %(var)s, a literal % becomes %%, and `trimmed` joins lines the
way translation.trim_whitespace does.

Merging keeps existing translations, translator comments and fuzzy flags, adds new msgids
with an empty msgstr, and marks translated entries that left the source obsolete (#~);
untranslated ones that left are dropped, as there is nothing in them worth keeping.
Unlike msgmerge there is no fuzzy matching of a changed msgid to its old translation.

--check writes nothing and exits non-zero when a msgid has no usable translation.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template import Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Lexer, Parser, Token, TokenType, Variable
from django.templatetags.i18n import do_block_translate, do_translate
from django.utils.text import unescape_string_literal
from django.utils.translation import to_locale

from .compile_translations import is_python_format, placeholder_problem

# Function name -> positions of its (context, singular, plural) string arguments.
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
# Test strings need no Chinese; migrations repeat models.py and would keep old strings alive.
IGNORED_DIRS = frozenset({"tests", "migrations", "locale", "static", "node_modules", "__pycache__"})
TEMPLATE_SUFFIXES = (".html", ".txt")
TRANSLATOR_TAG = "Translators"
# _("...") inside any template tag or variable, as Variable() understands it.
_TEMPLATE_CONSTANT = re.compile(r"""_\(("[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*')\)""")
# Languages with a single plural form; everything else gets the English-style two.
_ONE_PLURAL_FORM = ("zh", "ja", "ko", "vi", "th", "id", "ms")

MessageKey = tuple[str | None, str]


@dataclass
class Found:
    """One translatable string at one place in the source."""

    msgid: str
    line: int
    msgid_plural: str | None = None
    msgctxt: str | None = None
    python_format: bool = False
    comment: str = ""


@dataclass
class Message:
    """One msgid with every place it occurs."""

    msgid: str
    msgid_plural: str | None
    msgctxt: str | None
    python_format: bool = False
    occurrences: list[tuple[str, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


# --- Python -----------------------------------------------------------------------------


def _string(node: ast.expr) -> str | None:
    """The value of a string literal; implicit concatenation is already one Constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left), _string(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute) and call.func.attr != "_":
        return call.func.attr  # translation.gettext(...)
    return None


def _comment_lines(source: str) -> dict[int, str]:
    """Line number -> text of every line that holds only a comment."""
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and token.line.strip().startswith("#"):
                comments[token.start[0]] = token.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments


def _translator_comment(comments: dict[int, str], line: int) -> str:
    """The '# Translators: ...' block directly above `line`, as xgettext --add-comments does."""
    block: list[str] = []
    current = line - 1
    while current in comments:
        block.insert(0, comments[current])
        current -= 1
    for start, text in enumerate(block):
        if text.startswith(TRANSLATOR_TAG):
            return " ".join(block[start:])
    return ""


def extract_python(source: str, reference: str) -> tuple[list[Found], list[str]]:
    """Translatable strings in Python source, in source order, and warnings."""
    try:
        tree = ast.parse(source, filename=reference)
    except SyntaxError as exc:
        raise CommandError(f"{reference}:{exc.lineno}: cannot parse: {exc.msg}") from None
    comments = _comment_lines(source)
    found: list[Found] = []
    warnings: list[str] = []
    calls = sorted(
        (node for node in ast.walk(tree) if isinstance(node, ast.Call)),
        key=lambda node: (node.lineno, node.col_offset),
    )
    for call in calls:
        name = _callee(call)
        if name not in KEYWORDS:
            continue
        context_at, singular_at, plural_at = KEYWORDS[name]
        positions = [p for p in (context_at, singular_at, plural_at) if p is not None]
        if len(call.args) <= max(positions):
            continue
        values = {p: _string(call.args[p]) for p in positions}
        if any(value is None for value in values.values()):
            if any(isinstance(call.args[p], ast.JoinedStr) for p in positions):
                warnings.append(
                    f"{reference}:{call.lineno}: {name}() of an f-string is never translated;"
                    " use a literal with %(name)s placeholders"
                )
            continue
        msgid = values[singular_at]
        assert msgid is not None
        if not msgid:
            warnings.append(f"{reference}:{call.lineno}: {name}('') is the catalogue header")
            continue
        plural = values[plural_at] if plural_at is not None else None
        found.append(
            Found(
                msgid=msgid,
                line=call.lineno,
                msgid_plural=plural,
                msgctxt=values[context_at] if context_at is not None else None,
                python_format=is_python_format(msgid) or bool(plural and is_python_format(plural)),
                comment=_translator_comment(comments, call.lineno),
            )
        )
    return found, warnings


# --- Templates --------------------------------------------------------------------------


def template_engine() -> Engine:
    try:
        return Engine.get_default()
    except ImproperlyConfigured:
        return Engine()


def _tag_parser(tokens: list[Token], engine: Engine) -> Parser:
    """A template Parser that knows every installed filter, {% load %} or not."""
    parser = Parser(tokens, libraries=engine.template_libraries, builtins=engine.template_builtins)
    for library in engine.template_libraries.values():
        parser.add_library(library)
    return parser


def _constant(expression: FilterExpression | None) -> str | None:
    """The string a literal like "greeting" stands for, or None if it is looked up."""
    if expression is None or expression.filters or not isinstance(expression.var, str):
        return None
    return str(expression.var)


def _template_constants(token: Token) -> list[str]:
    # Variable() translates _("...") literals after doubling their % signs.
    return [
        unescape_string_literal(match[1]).replace("%", "%%")
        for match in _TEMPLATE_CONSTANT.finditer(token.contents)
    ]


def _line(token: Token) -> int:
    return token.lineno or 0  # always set by Lexer; typed Optional for hand-made tokens


def extract_template(source: str, reference: str, engine: Engine) -> tuple[list[Found], list[str]]:
    """Translatable strings in a Django template, in source order, and warnings."""
    tokens = Lexer(source).tokenize()
    found: list[Found] = []
    warnings: list[str] = []
    # (last line of a Translators comment, its text): it labels a string on the next line.
    pending: tuple[int, str] | None = None

    def add(msgid: str, token: Token, **kwargs: Any) -> None:
        nonlocal pending
        comment = ""
        if pending and _line(token) <= pending[0] + 1:
            comment = pending[1]
        pending = None
        found.append(Found(msgid=msgid, line=_line(token), comment=comment, **kwargs))

    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.token_type == TokenType.COMMENT:
            if token.contents.strip().startswith(TRANSLATOR_TAG):
                pending = (_line(token), token.contents.strip())
            continue
        if token.token_type == TokenType.TEXT:
            continue
        bits = token.split_contents() if token.token_type == TokenType.BLOCK else [""]
        try:
            if bits[0] == "comment":
                text: list[str] = []
                while index < len(tokens) and not (
                    tokens[index].token_type == TokenType.BLOCK
                    and tokens[index].contents == "endcomment"
                ):
                    text.append(tokens[index].contents)
                    index += 1
                comment = "".join(text).strip()
                if index < len(tokens) and comment.startswith(TRANSLATOR_TAG):
                    pending = (_line(tokens[index]), " ".join(comment.split()))
                index += 1
                continue
            if bits[0] in ("translate", "trans"):
                node = do_translate(_tag_parser([], engine), token)
                variable = node.filter_expression.var
                literal = variable.literal if isinstance(variable, Variable) else None
                if not isinstance(literal, str):
                    continue  # {% translate some_variable %}: nothing to extract
                context = _constant(node.message_context)
                if node.message_context is not None and context is None:
                    warnings.append(f"{reference}:{_line(token)}: context is not a literal")
                    continue
                # TranslateNode looks up the literal with its % doubled, then undoubles.
                add(literal.replace("%", "%%"), token, msgctxt=context)
                continue
            if bits[0] in ("blocktranslate", "blocktrans"):
                for constant in _template_constants(token):  # with x=_("...")
                    add(constant, token, python_format=is_python_format(constant))
                parser = _tag_parser(tokens[index:], engine)
                before = len(parser.tokens)
                block = do_block_translate(parser, token)
                index += before - len(parser.tokens)
                singular, _ = block.render_token_list(block.singular)
                plural = None
                if block.plural and block.countervar and block.counter:
                    plural, _ = block.render_token_list(block.plural)
                context = _constant(block.message_context)
                if block.message_context is not None and context is None:
                    warnings.append(f"{reference}:{_line(token)}: context is not a literal")
                    continue
                # The result always goes through `%`, so the translation must survive it too.
                add(singular, token, msgid_plural=plural, msgctxt=context, python_format=True)
                continue
        except TemplateSyntaxError as exc:
            raise CommandError(f"{reference}:{_line(token)}: {exc}") from None
        for constant in _template_constants(token):
            add(constant, token, python_format=is_python_format(constant))
    return found, warnings


# --- Collecting and merging -------------------------------------------------------------


def source_files(source_root: Path) -> list[Path]:
    """Python modules and templates under source_root, in a stable order."""
    files = []
    for path in source_root.rglob("*"):
        folders = path.relative_to(source_root).parts[:-1]
        if any(part in IGNORED_DIRS or part.startswith(".") for part in folders):
            continue
        if not path.is_file():
            continue
        if path.suffix == ".py" or (path.suffix in TEMPLATE_SUFFIXES and "templates" in folders):
            files.append(path)
    return sorted(files)


def collect(source_root: Path) -> tuple[dict[MessageKey, Message], list[str]]:
    """Every message under source_root keyed by (msgctxt, msgid), in order of first use."""
    engine = template_engine()
    messages: dict[MessageKey, Message] = {}
    warnings: list[str] = []
    for path in source_files(source_root):
        reference = path.relative_to(source_root.parent).as_posix()
        source = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            found, file_warnings = extract_python(source, reference)
        else:
            found, file_warnings = extract_template(source, reference, engine)
        warnings.extend(file_warnings)
        for item in found:
            key = (item.msgctxt, item.msgid)
            message = messages.get(key)
            if message is None:
                message = messages[key] = Message(item.msgid, item.msgid_plural, item.msgctxt)
            elif item.msgid_plural and message.msgid_plural != item.msgid_plural:
                if message.msgid_plural:
                    warnings.append(
                        f"{reference}:{item.line}: {item.msgid!r} has two different plurals"
                    )
                message.msgid_plural = item.msgid_plural
            message.python_format |= item.python_format
            message.occurrences.append((reference, item.line))
            if item.comment and item.comment not in message.comments:
                message.comments.append(item.comment)
    return messages, warnings


def _new_metadata(locale: str) -> dict[str, str]:
    one_form = locale.split("_")[0].lower() in _ONE_PLURAL_FORM
    return {
        "Project-Id-Version": "banyan",
        "Report-Msgid-Bugs-To": "",
        "Language": locale,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;" if one_form else "nplurals=2; plural=(n != 1);",
    }


def _plural_count(metadata: dict[str, str]) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", metadata.get("Plural-Forms", ""))
    return int(match[1]) if match else 2


def _has_translation(entry: polib.POEntry) -> bool:
    return bool(entry.msgstr or any(entry.msgstr_plural.values()))


def build_catalogue(
    messages: dict[MessageKey, Message], existing: polib.POFile | None, locale: str
) -> polib.POFile:
    """The catalogue for `messages`, carrying over what `existing` knew."""
    catalogue = polib.POFile(encoding="utf-8")
    if existing is not None:
        catalogue.header = existing.header
        catalogue.metadata = dict(existing.metadata)
        catalogue.metadata_is_fuzzy = existing.metadata_is_fuzzy
    else:
        catalogue.header = (
            "Banyan's catalogue. make_translations refreshes it from the source;\n"
            "compile_translations turns it into django.mo."
        )
        catalogue.metadata = _new_metadata(locale)
    plural_count = _plural_count(catalogue.metadata)
    known: dict[tuple[str | None, str], polib.POEntry] = {
        (entry.msgctxt, entry.msgid): entry for entry in existing or []
    }

    for key, message in messages.items():
        entry = polib.POEntry(
            msgid=message.msgid,
            msgctxt=message.msgctxt,
            occurrences=[(path, str(line)) for path, line in message.occurrences],
            comment="\n".join(message.comments),
            flags=["python-format"] if message.python_format else [],
        )
        previous = known.get(key)
        if message.msgid_plural:
            entry.msgid_plural = message.msgid_plural
            forms = previous.msgstr_plural if previous and previous.msgid_plural else {}
            entry.msgstr_plural = {n: forms.get(n, "") for n in range(plural_count)}
        elif previous and not previous.msgid_plural:
            entry.msgstr = previous.msgstr
        if previous is not None:
            entry.tcomment = previous.tcomment
            if previous.fuzzy:
                entry.flags.insert(0, "fuzzy")
        catalogue.append(entry)

    for previous in existing or []:
        if (previous.msgctxt, previous.msgid) in messages or not _has_translation(previous):
            continue
        previous.obsolete = True
        previous.occurrences = []
        previous.comment = ""
        catalogue.append(previous)
    return catalogue


def _label(entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    where = " ".join(f"{path}:{line}" for path, line in entry.occurrences[:3])
    return f"{context}{entry.msgid!r} ({where})"


class Command(BaseCommand):
    help = "Extract translatable strings into the .po catalogue (no GNU xgettext needed)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source-root",
            type=Path,
            default=None,
            help="Package to scan (default: banyan/). References are relative to its parent.",
        )
        parser.add_argument(
            "--locale-dir",
            type=Path,
            default=None,
            help="Directory holding <locale>/LC_MESSAGES/ (default: the first LOCALE_PATHS).",
        )
        parser.add_argument(
            "--locale",
            default=None,
            help="Catalogue to update (default: LANGUAGE_CODE as a locale, i.e. zh_Hans).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if a msgid in the source has no usable translation.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source_root: Path = options["source_root"] or Path(settings.BASE_DIR) / "banyan"
        locale_dir: Path = options["locale_dir"] or Path(settings.LOCALE_PATHS[0])
        locale: str = options["locale"] or to_locale(settings.LANGUAGE_CODE)
        po_path = locale_dir / locale / "LC_MESSAGES" / "django.po"
        if not source_root.is_dir():
            raise CommandError(f"{source_root} is not a directory")

        messages, warnings = collect(source_root)
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        existing = polib.pofile(str(po_path), encoding="utf-8") if po_path.exists() else None
        catalogue = build_catalogue(messages, existing, locale)

        if options["check"]:
            self._check(catalogue, po_path, locale)
            return

        active = [entry for entry in catalogue if not entry.obsolete]
        had = {(e.msgctxt, e.msgid) for e in existing or [] if not e.obsolete}
        added = len(messages.keys() - had)
        summary = (
            f"{po_path}: {len(active)} messages, {added} new,"
            f" {len(catalogue.obsolete_entries())} obsolete,"
            f" {len(catalogue.untranslated_entries())} untranslated"
        )
        text = str(catalogue)
        if po_path.exists() and po_path.read_text(encoding="utf-8") == text:
            self.stdout.write(f"{summary}; unchanged")
            return
        po_path.parent.mkdir(parents=True, exist_ok=True)
        po_path.write_text(text, encoding="utf-8")
        self.stdout.write(f"{summary}; written")

    def _check(self, catalogue: polib.POFile, po_path: Path, locale: str) -> None:
        problems = []
        for entry in catalogue:
            if entry.obsolete:
                continue
            if entry.fuzzy:
                problems.append(f"fuzzy: {_label(entry)}")
            elif not entry.translated():
                problems.append(f"untranslated: {_label(entry)}")
            elif problem := placeholder_problem(entry):
                problems.append(f"{problem}: {_label(entry)}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(problems)} messages have no usable {locale} translation in {po_path}"
            )
        self.stdout.write(f"{po_path}: every message has a {locale} translation")
