"""The questionnaire generated from the declaration: its shape, its questions and the component
actions drawn from each paragraph's text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from questionnaires.declaration import Paragraph
from questionnaires.generator import (
    DEFINITION_PATH,
    MAX_ACTION_WORDS,
    build_definition,
    component_actions,
    write_definition,
)


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return build_definition()


@pytest.fixture(scope="module")
def paragraphs(definition) -> dict[int, dict[str, Any]]:
    return {p["number"]: p for p in definition["paragraphs"]}


def _question(paragraph: dict[str, Any], name: str) -> dict[str, Any]:
    key = f"p{paragraph['number']}.{name}"
    return next(q for q in paragraph["questions"] if q["key"] == key)


def _options(question: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["value"], o["label"]) for o in question["options"]]


# --- The definition ------------------------------------------------------------------------


def test_definition_has_the_format_1_keys_in_order(definition):
    assert list(definition) == ["format", "slug", "title", "preamble", "preamble_footnotes",
                                "sections", "general", "paragraphs"]
    assert definition["format"] == 1
    assert definition["slug"] == "kyoto-2021"
    assert definition["title"].startswith("Kyoto Declaration on Advancing Crime Prevention")
    assert len(definition["preamble"]) == 5
    assert definition["preamble_footnotes"] == [
        {"number": 1, "text": "General Assembly resolution 70/174, annex."},
        {"number": 2, "text": "General Assembly resolution 70/1."},
    ]


def test_sections(definition):
    sections = definition["sections"]
    assert [(s["key"], s["kind"]) for s in sections] == [
        ("general", "general"), ("declaration", "declaration"), ("I", "operative"),
        ("II", "operative"), ("III", "operative"), ("IV", "operative"),
        ("follow-up", "follow_up")]
    assert [s["title"] for s in sections[:3]] == [
        "General information", "Commitments", "Advancing crime prevention"]
    assert sections[-1]["title"] == (
        "In order to ensure appropriate follow-up to this present declaration and to our "
        "commitments")
    assert sections[2]["subsections"][:2] == [
        {"key": "I.1", "title": "Addressing the causes, including the root causes, of crime"},
        {"key": "I.2", "title": "Evidence-based crime prevention"},
    ]
    assert [len(s["subsections"]) for s in sections] == [0, 0, 7, 6, 6, 4, 0]
    assert [sub["key"] for sub in sections[5]["subsections"]] == ["IV.1", "IV.2", "IV.3", "IV.4"]


def test_paragraphs_keep_text_place_footnotes_and_verdict(paragraphs):
    first, twenty_one, ninety_six = paragraphs[1], paragraphs[21], paragraphs[96]
    assert list(first) == ["number", "section", "subsection", "text", "footnotes", "actionable",
                           "actionable_reason", "questions"]
    assert (first["section"], first["subsection"], first["actionable"]) == (None, None, False)
    assert first["actionable_reason"] == "Expresses concern; no commitment to act"
    assert first["questions"] == []
    assert (twenty_one["section"], twenty_one["subsection"]) == (
        "Advancing crime prevention", "Addressing the causes, including the root causes, of crime")
    assert twenty_one["actionable_reason"] == (
        "Operative action in section 'Advancing crime prevention'")
    assert ninety_six["section"].startswith("In order to ensure appropriate follow-up")
    assert ninety_six["subsection"] is None and ninety_six["questions"] == []
    assert paragraphs[35]["footnotes"] == [
        {"number": 6, "text": "General Assembly resolution 70/175, annex."},
        {"number": 7, "text": "General Assembly resolution 65/229, annex."},
    ]


def test_only_actionable_paragraphs_have_questions(paragraphs):
    asked = {n for n, p in paragraphs.items() if p["questions"]}
    assert asked == {n for n, p in paragraphs.items() if p["actionable"]}
    assert asked == {3, 4, 5, 7, 8, 10, 15, 17, 20, *range(21, 96)}


def test_general_part(definition):
    general = {q["key"]: q for q in definition["general"]}
    assert list(general) == [
        "general.coordinating_institution", "general.focal_point_contact", "general.stakeholders",
        "general.stakeholders_details", "general.consultation_process",
        "general.executive_summary", "general.priority_actions"]
    assert {k: (q["type"], q["required"]) for k, q in general.items()} == {
        "general.coordinating_institution": ("text", True),
        "general.focal_point_contact": ("long_text", True),
        "general.stakeholders": ("multiple_choice", False),
        "general.stakeholders_details": ("long_text", False),
        "general.consultation_process": ("long_text", True),
        "general.executive_summary": ("long_text", True),
        "general.priority_actions": ("long_text", True),
    }
    assert general["general.executive_summary"]["max_length"] == 3500
    assert [o["value"] for o in general["general.stakeholders"]["options"]] == [
        "government", "parliament", "judiciary", "civil_society", "academia", "private_sector",
        "international_organizations", "other"]
    assert "paragraph 10" in general["general.stakeholders"]["help"]


# --- The questions on a paragraph ----------------------------------------------------------


def test_each_actionable_paragraph_gets_the_same_questions_in_order(paragraphs):
    assert [q["key"] for q in paragraphs[21]["questions"]] == [
        "p21.status", "p21.actions", "p21.measures", "p21.authorities", "p21.examples",
        "p21.challenges", "p21.challenges_details", "p21.assistance", "p21.assistance_details"]
    assert [q["key"] for q in paragraphs[35]["questions"]][4:7] == [
        "p35.examples", "p35.instruments.nelson_mandela_rules", "p35.instruments.bangkok_rules"]
    for paragraph in paragraphs.values():
        for question in paragraph["questions"]:
            assert list(question) == ["key", "type", "label", "help", "required", "options",
                                      "condition", "max_length"]
            assert question["key"].startswith(f"p{paragraph['number']}.")


SCALE = [("fully", "Fully implemented"), ("largely", "Largely implemented"),
         ("partially", "Partially implemented"), ("not_yet", "Not yet implemented"),
         ("not_applicable", "Not applicable")]


def test_status_and_measures(paragraphs):
    status = _question(paragraphs[3], "status")
    assert (status["type"], status["required"], _options(status)) == ("single_choice", True, SCALE)
    measures = _question(paragraphs[3], "measures")
    assert measures["type"] == "long_text" and measures["required"] is True
    assert measures["label"] == ("Describe the legislative, policy, institutional and other "
                                 "measures taken, citing the laws and provisions.")
    assert measures["condition"] == {"question": "p3.status",
                                     "in": ["fully", "largely", "partially"]}
    assert "cite" in measures["help"].lower()


def test_authorities_examples_challenges_and_assistance(paragraphs):
    paragraph = paragraphs[50]
    assert _question(paragraph, "authorities")["type"] == "text"
    assert "successful implementation" in _question(paragraph, "examples")["help"]
    assert _options(_question(paragraph, "challenges")) == [
        ("coordination", "Inter-agency coordination"), ("legislative_gaps", "Legislative gaps"),
        ("capacity", "Limited human or technical capacity"),
        ("resources", "Limited financial resources"), ("priorities", "Competing priorities"),
        ("awareness", "Limited awareness"), ("data", "Data gaps"), ("other", "Other")]
    assert _question(paragraph, "challenges_details")["type"] == "long_text"
    assert _options(_question(paragraph, "assistance")) == [
        ("legislative", "Legislative drafting and advice"),
        ("policy", "Policy or strategy development"),
        ("training", "Training and capacity-building"),
        ("institutional", "Institutional strengthening"),
        ("data", "Data collection and statistics"), ("technology", "Technology and equipment"),
        ("cooperation", "International cooperation"),
        ("good_practices", "Exchange of good practices"), ("none", "None needed")]
    assert _question(paragraph, "assistance_details")["type"] == "long_text"


ACTIONS = {
    21: ["Develop, implement and evaluate crime prevention strategies that address the causes, "
         "including the root causes, and risk factors that make different segments of society "
         "more vulnerable to crime",
         "Share best practices to strengthen our capacity"],
    24: ["Develop and implement effective measures to address the economic dimension of crime "
         "and deprive criminals and criminal organizations of any illicit gains",
         "Identify, trace, seize, confiscate, recover and return proceeds of crime",
         "Establish robust domestic frameworks for financial investigations",
         "Develop strategies to prevent and combat money-laundering and illicit financial flows"],
    26: ["Promote tailor-made crime prevention strategies that take into account local contexts",
         "Foster among the general public a culture of lawfulness, cognizant of cultural "
         "diversity, based on respect for the rule of law",
         "Advance cooperation among stakeholders and the police",
         "Promote positive conflict resolution, as well as community-oriented policing in "
         "accordance with national legislation",
         "Prevent gang-related and urban crime and all forms of organized crime"],
    35: ["Improve the detention conditions for both pretrial and post-trial detainees and the "
         "capacities of prison, correction and other relevant officers",
         "Promote the practical application of relevant provisions of the Nelson Mandela Rules, "
         "as well as the Bangkok Rules"],
    49: ["Take measures to ensure access to timely, effective, adequately resourced and "
         "affordable legal aid for those without sufficient means or when the interests of "
         "justice so require",
         "Raise awareness of the availability of such aid",
         "Promote the practical application of relevant provisions of the United Nations "
         "Principles and Guidelines on Access to Legal Aid in Criminal Justice Systems",
         "Encourage the development of guidance tools, as well as the collection and sharing of "
         "data on access to legal aid",
         "Develop a specialized network of legal aid providers to exchange information and best "
         "practices and to assist each other in carrying out their work"],
    81: ["Strengthen efforts to prevent, counter and combat trafficking in persons",
         "Support data collection and sharing, through relevant technical assistance by the "
         "United Nations Office on Drugs and Crime",
         "Address factors that make people vulnerable to trafficking",
         "Detect and dismantle trafficking networks, including in supply chains",
         "Discourage demand that fosters exploitation leading to trafficking",
         "End impunity of trafficking networks",
         "Conduct financial investigations and use special investigative techniques under the "
         "conditions prescribed by domestic law",
         "Protect victims of trafficking in persons"],
    87: ["Adopt effective measures to prevent and combat crimes that affect the environment, "
         "such as illicit trafficking in wildlife",
         "Make the best possible use of relevant international instruments",
         "Strengthen legislation, international cooperation, capacity-building, criminal justice "
         "responses and law enforcement efforts",
         "Deal with transnational organized crime, corruption and money-laundering linked to "
         "such crimes, and illicit financial flows derived from such crimes"],
    # An undertaking: "We undertake to enhance ... by engaging in and fostering ...".
    10: ["Enhance multidisciplinary efforts to prevent and combat crime through cooperation and "
         "coordination between law enforcement and other criminal justice institutions, and "
         "other governmental sectors",
         "Engage in and foster multi-stakeholder partnerships with the private sector, civil "
         "society, academia and the scientific community, and with other relevant stakeholders"],
    # The purpose after an enclosed measure completes the first action.
    91: ["Develop effective strategies to prevent, investigate and prosecute hate crimes",
         "Enhance the capacity of criminal justice professionals",
         "Engage effectively with victims and victim communities to build public trust when "
         "engaging with law enforcement to report such crimes"],
    # "as well as the Mechanism ..." does not fit the first label, so it gets its own, next.
    60: ["Actively participate in and contribute to the recently launched Mechanism for the "
         "Review of the Implementation of the Organized Crime Convention and the Protocols "
         "thereto",
         "Actively participate in and contribute to the Mechanism for the Review of "
         "Implementation of the Convention against Corruption",
         "Identify and substantiate specific needs for technical assistance",
         "Share best practices and promote effective international cooperation"],
}


@pytest.mark.parametrize("number", sorted(ACTIONS))
def test_actions_are_the_paragraphs_own_component_actions(paragraphs, number):
    actions = _question(paragraphs[number], "actions")
    assert actions["type"] == "multiple_choice"
    assert actions["label"] == "Which of the following has your State done?"
    expected = [(f"a{n}", label) for n, label in enumerate(ACTIONS[number], 1)]
    assert _options(actions) == [*expected, ("other", "Other")]


_DANGLING = re.compile(
    r"(?:\b(?:and|or|including|such as|inter alia|as well as|to|by|of|the|through|with|in"
    r"|particularly|in particular)|[,;:])$")


def test_every_action_label_reads_as_a_checkbox(paragraphs):
    for paragraph in paragraphs.values():
        if not paragraph["actionable"]:
            continue
        options = _options(_question(paragraph, "actions"))
        assert options[-1] == ("other", "Other")
        labels = [label for _, label in options[:-1]]
        assert 1 <= len(labels) <= 8, paragraph["number"]
        assert [value for value, _ in options[:-1]] == [f"a{n}" for n in range(1, len(labels) + 1)]
        assert len(set(labels)) == len(labels)
        for label in labels:
            assert 3 <= len(label.split()) <= MAX_ACTION_WORDS, label
            assert label[0].isupper(), label
            assert not _DANGLING.search(label), label
            assert label.count("(") == label.count(")"), label
            assert label.count("“") == label.count("”"), label
            assert "  " not in label and label == label.strip(), label


# --- International instruments -------------------------------------------------------------

INSTRUMENTS = {
    20: ["organized_crime_convention", "organized_crime_protocols",
         "convention_against_corruption", "drug_control_conventions",
         "counter_terrorism_instruments"],
    22: ["iccs"],
    24: [],
    35: ["nelson_mandela_rules", "bangkok_rules"],
    36: ["tokyo_rules"],
    43: ["beijing_declaration"],
    45: ["beijing_rules"],
    49: ["legal_aid_principles"],
    # Named in its footnote 13.
    51: ["independence_of_the_judiciary", "bangalore_principles", "role_of_lawyers",
         "role_of_prosecutors", "istanbul_declaration"],
    73: ["counter_terrorism_instruments", "global_counter_terrorism_strategy"],
    82: ["organized_crime_convention", "smuggling_of_migrants_protocol"],
    87: ["cites"],
    89: ["organized_crime_convention", "cultural_property_convention",
         "cultural_property_guidelines"],
}


@pytest.mark.parametrize("number", sorted(INSTRUMENTS))
def test_a_question_for_each_instrument_the_paragraph_names(paragraphs, number):
    prefix = f"p{number}.instruments."
    found = [q["key"].removeprefix(prefix)
             for q in paragraphs[number]["questions"] if q["key"].startswith(prefix)]
    assert found == INSTRUMENTS[number]


def test_instrument_questions_ask_how_far_it_is_applied(paragraphs):
    cites = _question(paragraphs[87], "instruments.cites")
    assert cites["label"] == ("To what extent does your State apply the Convention on "
                              "International Trade in Endangered Species of Wild Fauna and Flora?")
    assert (cites["type"], _options(cites)) == ("single_choice", SCALE)
    mandela = _question(paragraphs[35], "instruments.nelson_mandela_rules")
    assert mandela["label"] == (
        "To what extent does your State apply the United Nations Standard Minimum Rules for the "
        "Treatment of Prisoners (the Nelson Mandela Rules)?")


# --- The algorithm on sentences of its own -------------------------------------------------


def _paragraph(text: str) -> Paragraph:
    return Paragraph(number=99, text=text, section="S", subsection="s",
                     lead_in="We therefore endeavour to take the following actions")


def test_measures_and_coordinated_verbs_become_actions_of_their_own():
    assert component_actions(_paragraph(
        "Protect witnesses in criminal proceedings, including by providing them with new "
        "identities, supporting their relocation and, inter alia, reviewing the disclosure of "
        "their identity, and share best practices, bearing in mind their needs;")) == [
        "Protect witnesses in criminal proceedings",
        "Provide them with new identities",
        "Support their relocation",
        "Review the disclosure of their identity",
        "Share best practices",
    ]


def test_verbs_sharing_an_object_stay_together_and_statements_are_left_out():
    assert component_actions(_paragraph(
        "Develop, implement and evaluate strategies to prevent, counter and combat fraud, and "
        "share the results, in accordance with domestic law, and underline the importance of "
        "this;")) == [
        "Develop, implement and evaluate strategies to prevent, counter and combat fraud",
        "Share the results",
    ]


def test_what_is_not_led_by_a_verb_stays_with_its_action():
    assert component_actions(_paragraph(
        "Make use of the relevant conventions, such as the Organized Crime Convention, and "
        "review the measures taken;")) == [
        "Make use of the relevant conventions, such as the Organized Crime Convention",
        "Review the measures taken",
    ]


def test_an_action_too_short_to_stand_alone_keeps_its_measure():
    assert component_actions(_paragraph(
        "We undertake to strengthen cooperation by identifying, tracing and returning proceeds "
        "of crime;")) == [
        "Strengthen cooperation by identifying, tracing and returning proceeds of crime"]


# --- Deterministic, and the committed file is up to date -----------------------------------


def test_building_twice_gives_the_same_definition(definition):
    assert build_definition() == definition


def test_committed_definition_is_what_the_generator_writes(tmp_path):
    written = write_definition(tmp_path / "kyoto-2021.json")
    assert written.read_bytes() == DEFINITION_PATH.read_bytes(), (
        "questionnaires/kyoto-2021.json is stale: run `survey questionnaire generate`")
