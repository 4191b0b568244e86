"""Generate the questionnaire definition (format 1) from the Kyoto Declaration.

``build_definition`` reads the declaration and builds the definition: the general part, then
for every paragraph that commits States to act the same set of questions, with the
paragraph's own component actions as the options of ``pN.actions`` and one question for each
international instrument the paragraph names. ``write_definition`` validates the result
against the questionnaire schema and writes ``kyoto-2021.json`` next to this module.

The generator's own wording (questions, help texts, option labels) is marked with ``N_``:
the definition keeps the English, and the State's pages show it in the user's language
(:mod:`survey.questionnaires.localized`). The declaration's text has no official
translation here and stays English.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from questionnaires.declaration import (
    Declaration,
    Footnote,
    Paragraph,
    Section,
    actionability,
    load_declaration,
)
from survey.questionnaires.schema import DEFINITION_FORMAT, check_definition

DEFINITION_PATH = Path(__file__).with_name("kyoto-2021.json")
SLUG = "kyoto-2021"
MAX_ACTIONS = 8
MIN_ACTION_WORDS = 3
MAX_ACTION_WORDS = 30
# A label cut at a comma keeps at least this many words, or it is cut elsewhere.
MIN_COMMA_CUT = 15


def N_(text: str) -> str:
    """Mark the generator's fixed wording for translation (``pybabel extract -k N_``); the
    definition stores it as written, in English."""
    return text


# --- Component actions ---------------------------------------------------------------------
#
# An action paragraph is one imperative sentence: "Develop X, including by fostering Y, and
# share Z, bearing in mind W". Its component actions are the verb phrases it coordinates
# ("Develop X", "share Z") and the measures it lists after "including by", "inter alia",
# "such as", "through", "as well as" and "by" ("fostering Y"). The sentence is cut into pieces
# at those joints, judging each joint by the word after it:
#
# - a verb starts an action or a measure, unless the piece before ends with a verb, which then
#   shares its object ("prevent, counter and combat trafficking");
# - anything else after a connector ("such as the Organized Crime Convention") is a detail of
#   the action before it, the first thing to drop when a label runs too long;
# - a qualification ("bearing in mind ...", "in accordance with ...", ", to <purpose>") and a
#   statement ("and underline the importance ...") are no action and are left out.
#
# Each action is then put in the imperative ("identifying" -> "Identify") and trimmed to at
# most MAX_ACTION_WORDS words at a joint where the phrase still reads whole.

# Verbs the declaration uses for actions. A word is read as a verb only if it is here, so the
# nouns that share a form with these ("use of", "return of") are told apart by the next word.
VERBS = frozenset((
    "accelerate", "address", "adopt", "advance", "agree", "amplify", "analyse", "apply", "assess",
    "assist", "avail", "build", "combat", "conclude", "conduct", "confiscate", "consider",
    "continue", "contribute", "coordinate", "counter", "criminalize", "deal", "deprive", "design",
    "detect", "develop", "discourage", "dismantle", "disseminate", "employ", "empower", "enable",
    "encourage", "end", "endeavour", "engage", "enhance", "ensure", "equip", "establish",
    "evaluate", "examine", "exchange", "facilitate", "formulate", "foster", "freeze", "give",
    "identify", "implement", "improve", "increase", "intensify", "investigate", "mainstream",
    "make", "manage", "mobilize", "obtain", "organize", "participate", "pledge", "preserve",
    "prevent", "promote", "prosecute", "protect", "provide", "punish", "raise", "recover",
    "reduce", "refrain", "regulate", "remove", "return", "review", "safeguard", "seize", "share",
    "simplify", "solicit", "strengthen", "support", "tackle", "take", "trace", "undertake",
    "update", "use",
))
# Verbs that state a view rather than an action; what they introduce is left out.
STATEMENT_VERBS = frozenset({"underline", "underscore", "urge", "reaffirm", "expressing"})

_ADVERB = re.compile(r"(?:[a-z]+ly|further)")
_LINKING = r"(?:(?:in\s(?:this|that)\sregard|to\s(?:this|that)\send|thus),?\s)"
_INTER_ALIA = r"(?:,?\sinter\salia,)?"
_QUALIFIER = (
    r"(?:giving\sdue|bearing\sin\smind|taking\sinto|while|with\sdue|with\sspecial\sattention"
    r"|with\sa\sview\sto|in\sorder\sto|in\sparticular\sto|consistent\swith|in\saccordance\swith"
    r"|in\scompliance\swith|with\sthe\sfirm|recognizing|noting|acknowledging|thereby"
    r"|thus(?=\s\w+ing)|upon\stheir\srequest|which|whose)\b"
)
_JOINT = re.compile(
    rf"""
    (?P<qualifier>,\s(?:and\s)?{_QUALIFIER}|,\sto\s(?=[a-z]))
    |(?P<connector>
        (?:,\s|\s)(?:and\s)?
        (?:including\s(?:by|through)|including(?=\s[a-z]+ing\b)|inter\salia,?|such\sas
          |as\swell\sas(?:{_INTER_ALIA}\s(?:by|to))?|(?:in\sparticular|particularly)\sby
          |through|by)
        {_INTER_ALIA}\s
    )
    |(?P<coordination>
        ,\s(?:and\s)?{_LINKING}?(?:to\s)?
        |\sand\s{_LINKING}
        |\sand\s
    )
    """,
    re.VERBOSE,
)
# Short asides that would otherwise end the phrase at their first comma.
_ASIDE = (
    r"(?:where\sappropriate(?:\sand\s[^,]+)?|as\sappropriate|as\snecessary|in\ssome\scases"
    r"|on\sa\svoluntary\sbasis|where\sapplicable|to\sthe\sextent\s[^,]+"
    r"|with\sdue\srespect\sfor\s[^,]+"
    r"|(?:at|on)\sthe\s(?:[\w-]+,\s)*[\w-]+\sand\s[\w-]+\slevels|falling\swithin\s[^,]+"
    r"|taking\sthis\sinto\saccount|on\sa\scase-by-case\sbasis)"
)
_ASIDES = re.compile(rf",(\sand)?\s{_ASIDE}(?:,\s{_ASIDE})*,")
_TRAILING = re.compile(
    r"(?:[\s,]+(?:and|or|including|such as|in particular|particularly|to|by|as well as|through"
    r"|inter alia|in this regard|in that regard|as appropriate|as necessary|where appropriate"
    r"|where applicable|with a view to|in order to|with the aim|such|in accordance|in compliance"
    r"|in line|with regard|with respect|so|so that|aimed|based|designed|adopted|as adopted|of|the"
    r"|a|an|in|at|for|with|on|from|within|regarding))+$|[\s,]+$"
)
# Where a long label may be cut: before a preposition or an infinitive of purpose.
_CUT = re.compile(
    r"\s(?=(?:in|at|for|with|within|through|under|by|on|from|of|as|regarding|when|so)\s"
    r"|to\s(?:[a-z]+ly\s)?(?:" + "|".join(sorted(VERBS)) + r")(?![\w-]))"
)


@dataclass
class _Piece:
    kind: str  # "head", "action", "measure", "detail", "qualifier" or "statement"
    joint: str  # the words that introduced it (", including by ")
    text: str = ""


@dataclass
class _Action:
    kind: str  # "head", "action" or "measure", as the piece it comes from
    joint: str
    text: str
    details: list[str]  # "such as ..." and the like, with their joints

    @property
    def plain_and(self) -> bool:
        """Introduced by a bare " and ": the first to merge back when there are too many."""
        return self.joint == " and "


def component_actions(paragraph: Paragraph) -> list[str]:
    """The paragraph's component actions, as checkbox labels in the imperative (at most
    MAX_ACTIONS, each of MIN_ACTION_WORDS to MAX_ACTION_WORDS words)."""
    actions = _actions(_pieces(_drop_asides(_commitment(paragraph))))
    labels = _labels(actions)
    while len(labels) > MAX_ACTIONS and any(a.plain_and for a in actions[1:]):
        # Too many: join "conducting X and using Y" back into one action, from the end.
        index = max(i for i, a in enumerate(actions) if i and a.plain_and)
        merged, into = actions.pop(index), actions[index - 1]
        into.text += "".join(into.details) + merged.joint + merged.text
        into.details = merged.details
        labels = _labels(actions)
    return labels[:MAX_ACTIONS]


def _actions(pieces: list[_Piece]) -> list[_Action]:
    actions: list[_Action] = []
    left_out = False  # inside a qualification or statement, whose details go with it
    previous: _Piece | None = None
    for piece in pieces:
        if piece.kind in ("head", "action", "measure"):
            actions.append(_Action(piece.kind, piece.joint, piece.text, []))
            left_out = False
        elif piece.kind == "detail":
            if not left_out:
                actions[-1].details.append(piece.joint + piece.text)
        elif (piece.joint == ", to " and previous is not None and previous.kind == "measure"
              and previous.joint.startswith(", including")):
            # "Develop strategies, including by X, to prevent Y": the purpose completes the
            # action the measure was set in.
            owner = next(a for a in reversed(actions) if a.kind != "measure")
            owner.text += " to " + piece.text
        else:
            left_out = True
        previous = piece
    return actions


def _labels(actions: list[_Action]) -> list[str]:
    """One label per action, without repeats; an action too short to read alone is joined to
    the one after it."""
    labels: list[str] = []
    pending = ""  # a label too short to stand alone joins the next one, by its joint
    for action in actions:
        text = pending + action.joint + action.text if pending else action.text
        label = _label(text, list(action.details))
        if len(label.split()) < MIN_ACTION_WORDS:
            pending = text
            continue
        pending = ""
        extra = [_distributed(text, detail) for detail in action.details
                 if _tidy(detail) not in label]
        for candidate in [label, *(_label(e, []) for e in extra if e)]:
            if candidate not in labels:
                labels.append(candidate)
    return labels


def _distributed(text: str, detail: str) -> str | None:
    """"Participate in the X, as well as the Y", when the Y did not fit: "Participate in the Y"."""
    match = re.fullmatch(r",?\s*as well as (the .+)", detail)
    verbs, found, _ = text.partition(" the ")
    if match and found and _only_verbs(verbs):
        return f"{verbs} {match[1]}"
    return None


def _only_verbs(text: str) -> bool:
    words = [w for w in _words(text) if w not in {"and", "or", "in", "to"}]
    return bool(words) and all(_verb(w) or _ADVERB.fullmatch(w) for w in words)


def _commitment(paragraph: Paragraph) -> str:
    """The paragraph as an imperative sentence, without its final punctuation."""
    text = paragraph.text.rstrip(";.")
    subject = r"We (?:(?:also|strongly|[a-z]+ly) )*"
    if match := re.match(subject + r"(?:undertake|commit(?: ourselves)?) to ", text):
        text = text[match.end():]
    elif match := re.match(subject + r"undertake that ", text):
        text = "ensure that " + text[match.end():]
    elif match := re.match(subject, text):
        text = text[match.end():]
    # "When resolving such cases, make use of X, ...": the main clause goes first.
    if match := re.match(r"(When [^,]+)(?:, that [^,]+)?, ", text):
        main, _, rest = text[match.end():].partition(",")
        text = f"{main} {match[1][0].lower()}{match[1][1:]}" + (f",{rest}" if rest else "")
    return text[:1].lower() + text[1:]


def _drop_asides(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match[1]:
            return ", and "
        # Keep the comma where it ends a phrase: before "and raise ..." or "taking into ...".
        following = text[match.end():].lstrip()
        ends_phrase = following.startswith("and ") or re.match(_QUALIFIER, following)
        return ", " if ends_phrase else " "

    return re.sub(r"\s+", " ", _ASIDES.sub(replace, text))


def _pieces(text: str) -> list[_Piece]:
    pieces = [_Piece("head", "")]
    position = 0
    for match in _JOINT.finditer(text):
        before = pieces[-1].text + text[position:match.start()]
        owner = next(p for p in reversed(pieces) if p.kind != "detail")
        kind = _joint_kind(match, text[match.end():], before, pieces[-1], owner)
        if kind is None:
            continue
        pieces[-1].text += text[position:match.start()]
        pieces.append(_Piece(kind, match[0]))
        position = match.end()
    pieces[-1].text += text[position:]
    return pieces


def _joint_kind(
    joint: re.Match[str], after: str, before: str, current: _Piece, owner: _Piece
) -> str | None:
    """What a joint introduces, judged by the words after it; None if it is no joint.

    :param before: the text of the current piece up to the joint.
    :param owner: the action or measure the current piece belongs to (itself, or the one it
        details).
    """
    words = _words(after)
    first = words[0] if words else ""
    if joint.lastgroup == "qualifier":
        return "qualifier"
    if first in STATEMENT_VERBS:
        return "statement"
    verb = _verb_at(words)
    shares_object = _verb(_words(before)[-1]) is not None if _words(before) else False
    if joint.lastgroup == "connector":
        # "as well as to support their work" continues the action before it.
        continues = re.search(r"\bby\s$", joint[0]) or "as well as to" in joint[0]
        if verb == "gerund" or (verb == "base" and not continues):
            return "measure"
        # A bare "by" or "through" before a noun is part of the phrase ("aggravated by COVID-19").
        if re.fullmatch(r"\s(?:by|through)\s", joint[0]):
            return None
        return "detail"
    # Coordination: ", and share Z"; in a list of measures also ", tracing Z" / " and using Z".
    if verb is None or shares_object:
        return None
    if verb == "base" and joint[0] != " and ":
        return "action"
    in_measures = owner.kind == "measure" or re.search(r"(?:by|through)\s$", current.joint)
    if verb == "gerund" and in_measures:
        return "measure"
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’“”-]+", text)


def _verb(word: str) -> str | None:
    """The base form of an action verb, given its base form or its gerund."""
    if word in VERBS:
        return word
    if word.endswith("ing"):
        stem = word[:-3]
        for candidate in (stem, stem + "e", stem[:-1]):
            if candidate in VERBS:
                return candidate
    return None


def _verb_at(words: list[str]) -> str | None:
    """"base" or "gerund" if the words open with a verb used as one ("use of" is a noun)."""
    if len(words) > 1 and _ADVERB.fullmatch(words[0]) and _verb(words[1]):
        words = words[1:]
    if not words or _verb(words[0]) is None:
        return None
    if len(words) > 1 and words[1] in {"of", "as"}:
        return None
    return "gerund" if words[0].endswith("ing") else "base"


def _imperative(text: str) -> str:
    """Put a phrase's leading gerunds, and those coordinated with them, in the imperative:
    "identifying, tracing and returning X" -> "identify, trace and return X"."""
    words = text.strip().removeprefix("to ").split(" ")
    converting = False
    for index, word in enumerate(words):
        bare = word.rstrip(",")
        previous = words[index - 1] if index else ""
        at_start = index == 0 or (index == 1 and _ADVERB.fullmatch(words[0]))
        if not (bare.endswith("ing") and _verb_at([bare, *words[index + 1:index + 2]])):
            continue
        if at_start or (converting and (previous in {"and", "or"} or previous.endswith(","))):
            words[index] = _verb(bare) + word[len(bare):]
            converting = True
        else:
            converting = False
    return " ".join(words)


def _label(text: str, details: list[str]) -> str:
    text = _tidy(_imperative(text))
    full = _tidy(text + "".join(details))
    while len(full.split()) > MAX_ACTION_WORDS and details:
        # Details go first, from the last; of the last one dropped, keep what fits.
        dropped = details.pop()
        kept = _tidy(text + "".join(details))
        partly = _shorten(kept + dropped)
        full = partly if len(kept) < len(partly) and partly.startswith(kept) else kept
    if len(full.split()) > MAX_ACTION_WORDS:
        full = _shorten(full)
    return full[:1].upper() + full[1:]


def _tidy(text: str) -> str:
    for instrument in INSTRUMENTS:
        text = instrument.shorten(text)
    text = re.sub(r"\s+", " ", text)
    previous = None
    while previous != text:
        previous, text = text, _TRAILING.sub("", text)
    return text


def _shorten(text: str) -> str:
    """Bring a label down to MAX_ACTION_WORDS: first drop one short aside such as
    ", including their effectiveness,", then cut at the last place where it reads whole."""
    aside = re.search(r", including (?:\S+\s){0,3}\S+,", text)
    if aside:
        text = text[:aside.start()] + text[aside.end() - 1:].removeprefix(",")
        if len(text.split()) <= MAX_ACTION_WORDS:
            return text
    # A comma usually closes a list item or a clause; a preposition may cut closer to the
    # limit but leaves less of a whole, so it serves only where no comma comes late enough.
    for cuts, least in (([m.start() for m in re.finditer(",", text)], MIN_COMMA_CUT),
                        ([m.start() for m in _CUT.finditer(text)], MIN_ACTION_WORDS)):
        fitting = [_tidy(text[:cut]) for cut in cuts]
        fitting = [t for t in fitting if least <= len(t.split()) <= MAX_ACTION_WORDS]
        if fitting:
            return max(fitting, key=len)
    return _tidy(" ".join(text.split()[:MAX_ACTION_WORDS]))


# --- International instruments -------------------------------------------------------------


@dataclass(frozen=True)
class Instrument:
    """An international instrument the declaration names, as it asks States about it."""

    slug: str
    # As it follows "the" in INSTRUMENT_QUESTION; marked for translation (a translation
    # carries its own article or case, as the question's translation needs it).
    name: str
    # What recognises it in a paragraph's text or footnotes.
    patterns: tuple[str, ...]
    # The declaration's own short form, used in action labels.
    short_name: str | None = None

    def first_named(self, text: str) -> int | None:
        """Where the text first names the instrument; None if it does not."""
        return min((m.start() for p in self.patterns for m in re.finditer(p, text)), default=None)

    def shorten(self, text: str) -> str:
        return text.replace(self.name, self.short_name) if self.short_name else text


_UNTOC = N_("United Nations Convention against Transnational Organized Crime")
INSTRUMENTS = (
    Instrument("organized_crime_convention", _UNTOC,
               (r"Convention against Transnational Organized Crime", r"Organized Crime Convention"),
               short_name="Organized Crime Convention"),
    Instrument("organized_crime_protocols",
               N_("Protocols to the United Nations Convention against Transnational Organized "
                  "Crime"),
               (r"Organized Crime(?: Convention)? and the Protocols thereto",)),
    Instrument("smuggling_of_migrants_protocol",
               N_("Protocol against the Smuggling of Migrants by Land, Sea and Air, "
                  "supplementing the United Nations Convention against Transnational Organized "
                  "Crime"),
               (r"Protocol against the Smuggling of Migrants",)),
    Instrument("convention_against_corruption",
               N_("United Nations Convention against Corruption"),
               (r"Convention against Corruption",), short_name="Convention against Corruption"),
    Instrument("drug_control_conventions", N_("three international drug control conventions"),
               (r"international drug control conventions",)),
    Instrument("counter_terrorism_instruments",
               N_("international conventions and protocols related to counter-terrorism"),
               (r"conventions and protocols related to counter-terrorism",)),
    Instrument("global_counter_terrorism_strategy",
               N_("United Nations Global Counter-Terrorism Strategy"),
               (r"Global Counter-Terrorism Strategy",)),
    Instrument("nelson_mandela_rules",
               N_("United Nations Standard Minimum Rules for the Treatment of Prisoners "
                  "(the Nelson Mandela Rules)"),
               (r"Nelson Mandela Rules", r"Standard Minimum Rules for the Treatment of Prisoners"),
               short_name="Nelson Mandela Rules"),
    Instrument("bangkok_rules",
               N_("United Nations Rules for the Treatment of Women Prisoners and Non-custodial "
                  "Measures for Women Offenders (the Bangkok Rules)"),
               (r"Bangkok Rules", r"Rules for the Treatment of Women Prisoners"),
               short_name="Bangkok Rules"),
    Instrument("tokyo_rules",
               N_("United Nations Standard Minimum Rules for Non-custodial Measures (the Tokyo "
                  "Rules)"),
               (r"Tokyo Rules", r"Standard Minimum Rules for Non-custodial Measures"),
               short_name="Tokyo Rules"),
    Instrument("beijing_rules",
               N_("United Nations Standard Minimum Rules for the Administration of Juvenile "
                  "Justice (the Beijing Rules)"),
               (r"Beijing Rules", r"Rules for the Administration of Juvenile Justice"),
               short_name="Beijing Rules"),
    Instrument("beijing_declaration", N_("Beijing Declaration and Platform for Action"),
               (r"Beijing Declaration and Platform for Action",)),
    Instrument("iccs", N_("International Classification of Crime for Statistical Purposes"),
               (r"International Classification of Crime for Statistical Purposes",)),
    Instrument("legal_aid_principles",
               N_("United Nations Principles and Guidelines on Access to Legal Aid in Criminal "
                  "Justice Systems"),
               (r"Principles and Guidelines on Access to Legal Aid",)),
    Instrument("cites",
               N_("Convention on International Trade in Endangered Species of Wild Fauna and "
                  "Flora"),
               (r"Convention on International Trade in Endangered Species",)),
    Instrument("cultural_property_convention",
               N_("Convention on the Means of Prohibiting and Preventing the Illicit Import, "
                  "Export and Transfer of Ownership of Cultural Property"),
               (r"Convention on the Means of Prohibiting and Preventing the Illicit Import",)),
    Instrument("cultural_property_guidelines",
               N_("International Guidelines for Crime Prevention and Criminal Justice Responses "
                  "with Respect to Trafficking in Cultural Property and Other Related Offences"),
               (r"International Guidelines for Crime Prevention and Criminal Justice Responses "
                r"with Respect to Trafficking in Cultural Property",)),
    # Paragraph 51 names these through its footnote 13.
    Instrument("independence_of_the_judiciary",
               N_("Basic Principles on the Independence of the Judiciary"),
               (r"Basic Principles on the Independence of the Judiciary",)),
    Instrument("bangalore_principles", N_("Bangalore Principles of Judicial Conduct"),
               (r"Bangalore Principles of Judicial Conduct",)),
    Instrument("role_of_lawyers", N_("Basic Principles on the Role of Lawyers"),
               (r"Basic Principles on the Role of Lawyers",)),
    Instrument("role_of_prosecutors", N_("Guidelines on the Role of Prosecutors"),
               (r"Guidelines on the Role of Prosecutors",)),
    Instrument("istanbul_declaration",
               N_("Istanbul Declaration on Transparency in the Judicial Process"),
               (r"Istanbul Declaration on Transparency in the Judicial Process",)),
)


def named_instruments(paragraph: Paragraph) -> list[Instrument]:
    """The instruments a paragraph names in its text or footnotes, in the order it names them."""
    text = " ".join([paragraph.text, *(note.text for note in paragraph.footnotes)])
    found = [(at, instrument) for instrument in INSTRUMENTS
             if (at := instrument.first_named(text)) is not None]
    return [instrument for _, instrument in sorted(found, key=lambda pair: pair[0])]


# --- Questions -----------------------------------------------------------------------------

IMPLEMENTATION_SCALE = (
    ("fully", N_("Fully implemented")),
    ("largely", N_("Largely implemented")),
    ("partially", N_("Partially implemented")),
    ("not_yet", N_("Not yet implemented")),
    ("not_applicable", N_("Not applicable")),
)
# Statuses under which there are measures to describe.
IMPLEMENTED = ("fully", "largely", "partially")
CHALLENGES = (
    ("coordination", N_("Inter-agency coordination")),
    ("legislative_gaps", N_("Legislative gaps")),
    ("capacity", N_("Limited human or technical capacity")),
    ("resources", N_("Limited financial resources")),
    ("priorities", N_("Competing priorities")),
    ("awareness", N_("Limited awareness")),
    ("data", N_("Data gaps")),
    ("other", N_("Other")),
)
ASSISTANCE = (
    ("legislative", N_("Legislative drafting and advice")),
    ("policy", N_("Policy or strategy development")),
    ("training", N_("Training and capacity-building")),
    ("institutional", N_("Institutional strengthening")),
    ("data", N_("Data collection and statistics")),
    ("technology", N_("Technology and equipment")),
    ("cooperation", N_("International cooperation")),
    ("good_practices", N_("Exchange of good practices")),
    ("none", N_("None needed")),
)
STAKEHOLDERS = (
    ("government", N_("Government ministries and agencies")),
    ("parliament", N_("Parliament")),
    ("judiciary", N_("Judiciary")),
    ("civil_society", N_("Civil society")),
    ("academia", N_("Academia and the scientific community")),
    ("private_sector", N_("Private sector")),
    ("international_organizations", N_("International organizations")),
    ("other", N_("Other")),
)
EXECUTIVE_SUMMARY_LENGTH = 3500
# Asked about each instrument a paragraph names; the name is an Instrument's.
INSTRUMENT_QUESTION = N_("To what extent does your State apply the %(name)s?")
# The titles of the parts the generator adds before the declaration's own sections.
GENERAL_TITLE = N_("General information")
DECLARATION_TITLE = N_("Commitments")


def _question(
    key: str,
    type: str,
    label: str,
    help: str = "",
    *,
    required: bool = False,
    options: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
    condition: dict[str, Any] | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "type": type,
        "label": label,
        "help": help,
        "required": required,
        "options": [{"value": value, "label": text} for value, text in options],
        "condition": condition,
        "max_length": max_length,
    }


def general_questions() -> list[dict[str, Any]]:
    """The questions on the national process, asked once before the paragraphs."""
    return [
        _question(
            "general.coordinating_institution", "text",
            N_("Which institution coordinated the preparation of this self-assessment?"),
            N_("Give its full name and, where it belongs to a ministry, the ministry."),
            required=True),
        _question(
            "general.focal_point_contact", "long_text",
            N_("Contact details of the national focal point"),
            N_("Name, title, email address and telephone number of the person the secretariat may "
               "contact about this self-assessment."),
            required=True),
        _question(
            "general.stakeholders", "multiple_choice",
            N_("Which stakeholders contributed to this self-assessment?"),
            N_("In paragraph 10 of the Declaration, States undertook to engage in "
               "multi-stakeholder partnerships with the private sector, civil society, academia "
               "and the scientific community. Tick all that took part."),
            options=STAKEHOLDERS),
        _question(
            "general.stakeholders_details", "long_text",
            N_("Name the stakeholders consulted and describe their contribution."),
            N_("For instance, the ministries and agencies on a steering group, or the "
               "organizations that commented on a draft.")),
        _question(
            "general.consultation_process", "long_text",
            N_("Describe how this self-assessment was prepared."),
            N_("Explain who drafted the answers, how stakeholders were consulted and how the "
               "answers were validated before sign-off."),
            required=True),
        _question(
            "general.executive_summary", "long_text",
            N_("Executive summary"),
            N_("In at most 3,500 characters: the state of implementation, the main achievements "
               "and challenges, and the priority needs for technical assistance."),
            required=True, max_length=EXECUTIVE_SUMMARY_LENGTH),
        _question(
            "general.priority_actions", "long_text",
            N_("What are your State's priority actions to implement the Declaration in the coming "
               "years?"),
            N_("List the actions planned, with the institutions responsible and the time frame "
               "where known."),
            required=True),
    ]


def paragraph_questions(paragraph: Paragraph) -> list[dict[str, Any]]:
    """The questions on one actionable paragraph, keyed ``p<number>.<name>``."""
    return _questions_on(f"p{paragraph.number}", component_actions(paragraph),
                         named_instruments(paragraph))


def _questions_on(key: str, action_labels: list[str],
                  instruments: list[Instrument]) -> list[dict[str, Any]]:
    actions = [(f"a{n}", label) for n, label in enumerate(action_labels, 1)]
    return [
        _question(
            f"{key}.status", "single_choice",
            N_("To what extent has your State implemented this paragraph?"),
            N_("Assess the paragraph as a whole, including each of the actions listed below. "
               "Choose “Not applicable” only where the paragraph cannot concern your State, and "
               "explain why under challenges."),
            required=True, options=IMPLEMENTATION_SCALE),
        _question(
            f"{key}.actions", "multiple_choice",
            N_("Which of the following has your State done?"),
            N_("Tick each action your State has taken, by legislation, policy or practice. The "
               "actions are those of the paragraph's text; for anything else, tick “Other” and "
               "describe it in the measures."),
            options=[*actions, ("other", N_("Other"))]),
        _question(
            f"{key}.measures", "long_text",
            N_("Describe the legislative, policy, institutional and other measures taken, "
               "citing the laws and provisions."),
            N_("Cite each law, regulation or policy by its title, number and date, and the "
               "articles or sections that give effect to the paragraph. Where a text is online, "
               "for instance in the SHERLOC portal, give the link rather than attaching a copy. "
               "Answers given to the review mechanisms of the Organized Crime Convention or the "
               "Convention against Corruption may be reused."),
            required=True, condition={"question": f"{key}.status", "in": list(IMPLEMENTED)}),
        _question(
            f"{key}.authorities", "text",
            N_("Which authorities and institutions are competent?"),
            N_("Name the ministries, agencies, courts or other bodies responsible for the "
               "measures, and the one that coordinates them, if any.")),
        _question(
            f"{key}.examples", "long_text",
            N_("Provide examples of implementation: cases, statistics, good practices."),
            N_("Provide examples of the successful implementation of the measures: court or "
               "administrative cases, statistics (with the year and the source), evaluations, or "
               "good practices other States could learn from.")),
        *(
            _question(
                f"{key}.instruments.{instrument.slug}", "single_choice",
                INSTRUMENT_QUESTION % {"name": instrument.name},
                N_("Consider the provisions that bear on this paragraph and cite, in the measures, "
                   "the national laws that give effect to them. Where your State is not a party to "
                   "a treaty, or does not apply a standard, explain why under challenges."),
                options=IMPLEMENTATION_SCALE)
            for instrument in instruments
        ),
        _question(
            f"{key}.challenges", "multiple_choice",
            N_("What challenges has your State faced in implementing this paragraph?"),
            N_("Tick all that apply."),
            options=CHALLENGES),
        _question(
            f"{key}.challenges_details", "long_text",
            N_("Describe the challenges and any steps taken to overcome them.")),
        _question(
            f"{key}.assistance", "multiple_choice",
            N_("What technical assistance would help your State implement this paragraph?"),
            N_("Tick all that apply. The needs reported help UNODC and other providers plan their "
               "technical assistance."),
            options=ASSISTANCE),
        _question(
            f"{key}.assistance_details", "long_text",
            N_("Describe the assistance needed, and any assistance already received and from "
               "whom.")),
    ]


def standard_wording() -> dict[str, tuple[str, dict[str, str]]]:
    """The fixed texts a generated version stores (what ``N_`` marks), by their English as
    stored: each with the message to translate and the messages to put in its placeholders
    (an instrument question: INSTRUMENT_QUESTION and the instrument's name). The component
    actions come from the declaration's text and are not among them."""
    wording: dict[str, tuple[str, dict[str, str]]] = {
        INSTRUMENT_QUESTION % {"name": i.name}: (INSTRUMENT_QUESTION, {"name": i.name})
        for i in INSTRUMENTS}
    questions = [*general_questions(), *_questions_on("p0", [], list(INSTRUMENTS))]
    texts = [GENERAL_TITLE, DECLARATION_TITLE]
    for question in questions:
        texts += [question["label"], question["help"], *(o["label"] for o in question["options"])]
    for text in texts:
        if text:
            wording.setdefault(text, (text, {}))
    return wording


# --- The definition ------------------------------------------------------------------------

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def build_definition(source_path: Path | None = None) -> dict[str, Any]:
    """The questionnaire definition (format 1) for the declaration at ``source_path`` (the
    copy in this package by default). Pure: the same text always gives the same definition."""
    declaration = load_declaration(source_path)
    return {
        "format": DEFINITION_FORMAT,
        "slug": SLUG,
        "title": declaration.title,
        "preamble": declaration.preamble,
        "preamble_footnotes": _footnotes(declaration.preamble_footnotes),
        "sections": _sections(declaration),
        "general": general_questions(),
        "paragraphs": [_paragraph(paragraph) for paragraph in declaration.paragraphs],
    }


def render_definition(definition: dict[str, Any]) -> str:
    """The definition as it is stored: stable, so regenerating gives the same bytes."""
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


def write_definition(path: Path | None = None) -> Path:
    """Build the definition, check it against the questionnaire schema and write it.

    :param path: where to write (``kyoto-2021.json`` next to this module by default).
    :raises survey.questionnaires.schema.DefinitionError: the generated definition is invalid.
    """
    definition = build_definition()
    check_definition(definition)
    path = path or DEFINITION_PATH
    path.write_text(render_definition(definition), encoding="utf-8")
    return path


def _sections(declaration: Declaration) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = [
        {"key": "general", "title": GENERAL_TITLE, "kind": "general", "subsections": []},
        {"key": "declaration", "title": DECLARATION_TITLE, "kind": "declaration",
         "subsections": []},
    ]
    operative = [s for s in declaration.sections if s.kind == "operative"]
    for index, section in enumerate(operative):
        sections.append(_section(_ROMAN[index], section, "operative"))
    for section in declaration.sections:
        if section.kind == "follow_up":
            sections.append(_section("follow-up", section, "follow_up"))
    return sections


def _section(key: str, section: Section, kind: str) -> dict[str, Any]:
    return {
        "key": key,
        "title": section.title,
        "kind": kind,
        "subsections": [{"key": f"{key}.{n}", "title": title}
                        for n, title in enumerate(section.subsections, 1)],
    }


def _paragraph(paragraph: Paragraph) -> dict[str, Any]:
    verdict = actionability(paragraph)
    return {
        "number": paragraph.number,
        "section": paragraph.section,
        "subsection": paragraph.subsection,
        "text": paragraph.text,
        "footnotes": _footnotes(paragraph.footnotes),
        "actionable": verdict.actionable,
        "actionable_reason": verdict.reason,
        "questions": paragraph_questions(paragraph) if verdict.actionable else [],
    }


def _footnotes(footnotes: list[Footnote]) -> list[dict[str, Any]]:
    return [{"number": note.number, "text": note.text} for note in footnotes]
