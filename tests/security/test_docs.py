"""docs/security.md names, for each protection, the test that proves it: each must exist."""

from __future__ import annotations

import ast
import re
from functools import cache

from survey import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "security.md"


@cache
def _functions(path: str) -> frozenset[str]:
    tree = ast.parse((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    return frozenset(node.name for node in ast.walk(tree)
                     if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


def test_every_test_the_security_page_names_exists():
    text = DOC.read_text(encoding="utf-8")
    references = re.findall(r"(tests/[\w/]+\.py)::(\w+)", text)
    assert len(references) > 80
    missing = [f"{path}::{name}" for path, name in references
               if not (PROJECT_ROOT / path).is_file() or name not in _functions(path)]
    assert missing == []


def test_every_file_the_security_page_names_exists():
    text = DOC.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:survey|templates|tests|migrations|docs)/[\w./-]*)", text))
    assert len(paths) > 20
    assert sorted(p for p in paths if not (PROJECT_ROOT / p).exists()) == []
