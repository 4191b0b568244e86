"""``survey questionnaire generate``: the Kyoto questionnaire from the declaration's text.

Product: ``questionnaires.generator.write_definition`` to a temporary file (parse the
declaration, build every question, check the definition against the schema, write it).
Floor: writing the same definition, already built, to the same file (``render_definition``
and the write): what the command would cost if generating took no time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.timing import alternate


def measure(runs: int) -> dict[str, Any]:
    from questionnaires.generator import build_definition, render_definition, write_definition

    definition = build_definition()
    with tempfile.TemporaryDirectory(prefix="generate-bench-") as tmp:
        path = Path(tmp) / "kyoto-2021.json"
        comparison = alternate(
            lambda: write_definition(path),
            lambda: path.write_text(render_definition(definition), encoding="utf-8"),
            runs)
        size = path.stat().st_size
    questions = len(definition["general"]) + sum(len(p["questions"])
                                                 for p in definition["paragraphs"])
    return {"paragraphs": len(definition["paragraphs"]), "questions": questions,
            "bytes": size, **comparison.as_json()}
