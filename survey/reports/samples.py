"""Plausible answers to a whole questionnaire, for the report's benchmark, tests and demos.

The lengths follow what States write in UN self-assessments: a few paragraphs on the
measures taken, a paragraph of examples, a line naming the authorities, a few sentences
on challenges and assistance. Nothing here is used when answering for real.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from survey.questionnaires.models import QuestionType
from survey.questionnaires.outline import Outline, QuestionItem

_SENTENCES = (
    "The national strategy on crime prevention adopted by the Council of Ministers sets "
    "objectives, indicators and responsibilities for each ministry until 2030.",
    "Article 12 of the Code of Criminal Procedure, as amended in 2022, gives effect to "
    "this commitment and was drafted after consultations with civil society.",
    "A national coordination committee chaired by the Ministry of Justice meets every "
    "quarter and reports to Parliament once a year.",
    "Police officers, prosecutors and judges receive compulsory initial and in-service "
    "training on the standards concerned, delivered by the national judicial academy.",
    "Local authorities in the twelve regions run prevention programmes with schools, "
    "social services and community organizations, financed from the national budget.",
    "The national statistics office publishes crime and criminal justice data every year, "
    "disaggregated by sex, age and region, in line with the international classification.",
    "An independent evaluation in 2024 found that the programme reduced repeat offending "
    "among participants by a fifth compared with a matched group.",
    "Victims can obtain information, legal aid and psychological support free of charge "
    "through a network of support centres and a national helpline.",
    "Bilateral agreements on mutual legal assistance and extradition have been concluded "
    "with neighbouring States, and the central authority handles requests electronically.",
    "Draft legislation to close the remaining gaps has been submitted to Parliament and "
    "is expected to be adopted during the next session.",
    "Implementation is uneven between urban and rural areas, where institutions have "
    "fewer staff and less equipment.",
    "The Ministry of the Interior and the Office of the Prosecutor General have signed a "
    "memorandum on the exchange of information and joint investigations.",
)

_AUTHORITIES = (
    "Ministry of Justice; Ministry of the Interior; Office of the Prosecutor General; "
    "National Police; national judicial academy; national statistics office.",
    "Ministry of Justice (coordination); Supreme Court; Ministry of Social Affairs; "
    "regional governments.",
)

_STATUS_WEIGHTS = (("fully", 3), ("largely", 4), ("partially", 4), ("not_yet", 2),
                   ("not_applicable", 1))


def _text(rng: random.Random, words: int, paragraphs: int = 1) -> str:
    parts = []
    per_paragraph = max(words // paragraphs, 12)
    for _ in range(paragraphs):
        sentences, count = [], 0
        while count < per_paragraph:
            sentence = rng.choice(_SENTENCES)
            sentences.append(sentence)
            count += len(sentence.split())
        parts.append(" ".join(sentences))
    return "\n\n".join(parts)


def _choices(rng: random.Random, question: QuestionItem, low: int, high: int) -> list[str]:
    values = [v for v in question.option_values if v not in ("none", "other")]
    chosen = set(rng.sample(values, min(len(values), rng.randint(low, high))))
    return [v for v in question.option_values if v in chosen]


def sample_answer(question: QuestionItem, answers: Mapping[str, Any],
                  rng: random.Random) -> Any:
    """A plausible answer to ``question`` (None if it is not asked, given ``answers``)."""
    if not question.applies(answers):
        return None
    field = question.key.split(".")[1] if "." in question.key else question.key
    if question.type is QuestionType.SINGLE_CHOICE:
        values = question.option_values
        weighted = [v for v, w in _STATUS_WEIGHTS if v in values for _ in range(w)]
        return rng.choice(weighted or list(values))
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return _choices(rng, question, 1, 4 if field == "actions" else 3) or None
    if question.type is QuestionType.NUMBER:
        return rng.randint(1, 500)
    if question.type is QuestionType.DATE:
        return "2026-03-31"
    if question.type is QuestionType.EMAIL:
        return "focal.point@example.org"
    if field in ("authorities", "coordinating_institution"):
        return rng.choice(_AUTHORITIES)
    lengths = {"measures": (150, 3), "examples": (90, 2), "challenges_details": (50, 1),
               "assistance_details": (40, 1), "executive_summary": (420, 4),
               "priority_actions": (160, 3), "consultation_process": (120, 2),
               "stakeholders_details": (70, 1), "focal_point_contact": (20, 1)}
    words, paragraphs = lengths.get(field, (40, 1))
    text = _text(rng, words, paragraphs)
    if question.max_length:
        text = text[:question.max_length].rsplit(" ", 1)[0]
    if question.type is QuestionType.TEXT:
        text = " ".join(text.split())[:question.max_length or 2000]
    return text


def sample_answers(outline: Outline, *, seed: int = 2021) -> dict[str, Any]:
    """An answer to every question the questionnaire asks, given the answers before it."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not a secret
    answers: dict[str, Any] = {}
    for question in outline.questions():
        value = sample_answer(question, answers, rng)
        if value is not None:
            answers[question.key] = value
    return answers
