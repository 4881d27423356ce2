"""STYLE.md layering rules that a grep can enforce."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDGE_FILES = [
    p
    for p in ROOT.rglob("*.py")
    if "tests" not in p.parts
    and (p.name in {"views.py", "api.py"} or {"routers", "views"} & set(p.parts))
]


def test_there_are_edge_files_to_check():
    assert len(EDGE_FILES) >= 5


def test_views_and_api_never_query_models_directly():
    """Scoped data is loaded through selectors; `Model.objects` in a view skips the scope."""
    pattern = re.compile(r"\b[A-Z]\w*\.objects\b")
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in EDGE_FILES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_views_and_api_never_save_domain_models():
    """Writes go through services, which check state and write the event."""
    pattern = re.compile(r"(?<!@api)(?<!router)\.(save|delete)\(|\.objects\.(create|update)\(")
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in EDGE_FILES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line) and "session" not in line and "form.save" not in line
    ]
    assert hits == []
