"""The Kyoto Declaration parsed into its structure, and which paragraphs commit States to act."""

from __future__ import annotations

import hashlib
import re

import pytest

from questionnaires.declaration import (
    SOURCE_PATH,
    SUPERSCRIPT_DIGITS,
    Actionability,
    Declaration,
    DeclarationFormatError,
    Paragraph,
    actionability,
    load_declaration,
    parse_declaration,
)


@pytest.fixture(scope="module")
def declaration() -> Declaration:
    return load_declaration()


def test_source_is_the_published_text_unchanged():
    digest = hashlib.sha256(SOURCE_PATH.read_bytes()).hexdigest()
    assert digest == "7b6069be253256cc27bf0f8976f85474b72c37e6983929c9d1c7c40768205c78"


def test_title(declaration):
    assert declaration.title == (
        "Kyoto Declaration on Advancing Crime Prevention, Criminal Justice and the Rule of Law: "
        "Towards the Achievement of the 2030 Agenda for Sustainable Development")


def test_preamble_has_its_five_clauses_and_two_footnotes(declaration):
    openings = [" ".join(item.split()[:2]) for item in declaration.preamble]
    assert openings == ["We, Heads", "Assembled at", "Taking stock", "Recalling the",
                        "Recognizing the"]
    assert all(item.endswith(",") for item in declaration.preamble)
    assert declaration.preamble[3].startswith(
        "Recalling the Doha Declaration on Integrating Crime Prevention")
    assert "and Public Participation, adopted by the Thirteenth" in declaration.preamble[3]
    assert "2030 Agenda for Sustainable Development and the achievement" in declaration.preamble[4]
    assert [(n.number, n.text) for n in declaration.preamble_footnotes] == [
        (1, "General Assembly resolution 70/174, annex."),
        (2, "General Assembly resolution 70/1."),
    ]


def test_paragraphs_1_to_97_each_once_in_order(declaration):
    assert [p.number for p in declaration.paragraphs] == list(range(1, 98))


_I = "Advancing crime prevention"
_II = "Advancing the criminal justice system"
_III = "Promoting the rule of law"
_IV = ("Promoting international cooperation and technical assistance to prevent and address all "
       "forms of crime")
_FOLLOW_UP = ("In order to ensure appropriate follow-up to this present declaration and to our "
              "commitments")
# (first paragraph, last paragraph, section, subsection)
STRUCTURE = [
    (1, 20, None, None),
    (21, 21, _I, "Addressing the causes, including the root causes, of crime"),
    (22, 23, _I, "Evidence-based crime prevention"),
    (24, 25, _I, "Addressing the economic dimension of crime"),
    (26, 26, _I, "Tailor-made crime prevention strategies"),
    (27, 28, _I, "Mainstreaming a gender perspective into crime prevention"),
    (29, 29, _I, "Children and youth in crime prevention"),
    (30, 30, _I, "Youth empowerment for crime prevention"),
    (31, 34, _II, "Safeguarding victims' rights and protecting witnesses and reporting persons"),
    (35, 36, _II, "Improving prison conditions"),
    (37, 42, _II, "Reducing reoffending through rehabilitation and reintegration"),
    (43, 44, _II, "Mainstreaming a gender perspective into criminal justice systems"),
    (45, 46, _II, "Addressing the vulnerabilities of children and youth in contact with the "
                  "criminal justice system"),
    (47, 47, _II, "Improving criminal investigation processes"),
    (48, 48, _III, "Access to justice and equal treatment before the law"),
    (49, 49, _III, "Access to legal aid"),
    (50, 50, _III, "National sentencing policies"),
    (51, 52, _III, "Effective, accountable, impartial and inclusive institutions"),
    (53, 58, _III, "Effective anti-corruption efforts"),
    (59, 59, _III, "Social, educational and other measures"),
    (60, 67, _IV, "International cooperation, including through capacity-building and technical "
                  "assistance"),
    (68, 72, _IV, "International cooperation to deprive criminals of their proceeds of crime"),
    (73, 78, _IV, "Terrorism in all its forms and manifestations"),
    (79, 95, _IV, "New, emerging and evolving forms of crime"),
    (96, 97, _FOLLOW_UP, None),
]


def test_every_paragraph_stands_under_its_headings(declaration):
    expected = [(number, section, subsection)
                for first, last, section, subsection in STRUCTURE
                for number in range(first, last + 1)]
    assert [(p.number, p.section, p.subsection) for p in declaration.paragraphs] == expected


def test_main_sections_are_told_from_subsections_by_structure(declaration):
    assert [(s.title, s.kind, len(s.subsections)) for s in declaration.sections] == [
        (_I, "operative", 7), (_II, "operative", 6), (_III, "operative", 6),
        (_IV, "operative", 4), (_FOLLOW_UP, "follow_up", 0),
    ]
    listed = [(s.title, sub) for s in declaration.sections for sub in s.subsections]
    assert listed == [(section, sub) for _, _, section, sub in STRUCTURE if sub]


def test_paragraphs_record_the_lead_in_they_complete(declaration):
    assert {p.lead_in for p in declaration.paragraphs[:20]} == {"Declare the following"}
    assert {p.lead_in for p in declaration.paragraphs[20:95]} == {
        "We therefore endeavour to take the following actions"}
    assert {p.lead_in for p in declaration.paragraphs[95:]} == {_FOLLOW_UP}


SPLIT_PARAGRAPHS = {
    49: "Take measures to ensure access to timely, effective, adequately resourced and affordable "
        "legal aid for those without sufficient means or when the interests of justice so "
        "require, and raise awareness of the availability of such aid, including by promoting "
        "the practical application of relevant provisions of the United Nations Principles and "
        "Guidelines on Access to Legal Aid in Criminal Justice Systems, United Nations Office on "
        "Drugs and Crime tools on ensuring the quality of legal aid services in criminal justice "
        "processes and other related tools, by encouraging the development of guidance tools, as "
        "well as the collection and sharing of data on access to legal aid, and by developing a "
        "specialized network of legal aid providers to exchange information and best practices "
        "and to assist each other in carrying out their work;",
    55: "Ensure the use of appropriate measures to effectively disrupt the existing links between "
        "organized criminal groups and corruption, including by preventing and combating bribery "
        "and the laundering of proceeds of crime into the legitimate economy, and thus develop "
        "strategies to prevent and combat illicit financial flows;",
    67: "Recognize the fundamental role of effective international cooperation in preventing and "
        "combating crime and to this end, underline the importance of addressing, tackling and "
        "effectively responding to international challenges and barriers, in particular "
        "measures, that hinder such cooperation, and which are not consistent with the Charter of "
        "the United Nations and obligations under international law, and in this regard urge "
        "States, consistent with their international obligations, to refrain from applying such "
        "measures;",
    79: "Strengthen measures to address new, emerging and evolving forms of crime, including by "
        "making maximum use of the relevant and applicable conventions, such as the Organized "
        "Crime Convention and the Protocols thereto through the measures contained therein, to "
        "prevent and combat crimes, facilitate international cooperation and confiscate and "
        "return the proceeds of crime;",
    89: "Strengthen national and international responses to trafficking in cultural property and "
        "other crimes targeting cultural property, and any links to the financing of organized "
        "crime and terrorism, and enhance international cooperation in this regard, including "
        "through appropriate channels, the return or restitution of such illicitly trafficked "
        "cultural properties to countries of origin, taking into consideration existing "
        "instruments such as the Organized Crime Convention, the Convention on the Means of "
        "Prohibiting and Preventing the Illicit Import, Export and Transfer of Ownership of "
        "Cultural Property, the International Guidelines for Crime Prevention and Criminal "
        "Justice Responses with Respect to Trafficking in Cultural Property and Other Related "
        "Offences, and other relevant instruments, and with a view to considering all possible "
        "options to make effective use of the applicable international legal framework to combat "
        "crimes against cultural property, and considering any proposals to supplement the "
        "existing framework for international cooperation, as necessary;",
}


@pytest.mark.parametrize("number", sorted(SPLIT_PARAGRAPHS))
def test_paragraphs_cut_by_page_breaks_are_whole_again(declaration, number):
    assert declaration.paragraph(number).text == SPLIT_PARAGRAPHS[number]


def test_paragraphs_end_as_in_the_source(declaration):
    assert all(p.text.endswith(";") for p in declaration.paragraphs[:96])
    assert declaration.paragraph(97).text == (
        "We express our profound gratitude to the people and Government of Japan for their warm "
        "and generous hospitality and for the excellent facilities provided for the Fourteenth "
        "Congress.")


def test_no_markup_markers_or_footnotes_left_in_the_text(declaration):
    texts = [p.text for p in declaration.paragraphs] + declaration.preamble + [
        note.text for p in declaration.paragraphs for note in p.footnotes]
    for text in texts:
        assert not set(text) & set(SUPERSCRIPT_DIGITS + "*[]"), text
        assert "](#)" not in text and "  " not in text and text == text.strip()
    bodies = " ".join(p.text for p in declaration.paragraphs)
    for leftover in ("General Assembly resolution", "Treaty Series", "Ibid", "UNODC",
                     "Vienna International Centre", "All rights reserved"):
        assert leftover not in bodies
    assert "modi operandi of criminals" in declaration.paragraph(13).text
    assert "(the Bangkok Rules);" in declaration.paragraph(35).text
    assert "the documents noted by" in declaration.paragraph(51).text


FOOTNOTES = {20: [3, 4], 25: [5], 35: [6, 7], 36: [8], 43: [9, 10], 45: [11], 49: [12], 51: [13],
             82: [14], 87: [15], 89: [16, 17]}


def test_footnotes_are_attached_to_the_paragraphs_citing_them(declaration):
    assert {p.number: [n.number for n in p.footnotes]
            for p in declaration.paragraphs if p.footnotes} == FOOTNOTES
    notes = {n.number: n.text for p in declaration.paragraphs for n in p.footnotes}
    assert notes[3] == "United Nations, Treaty Series, vols. 2225, 2237, 2241 and 2326, No. 39574."
    assert notes[4] == "Ibid., vol. 2349, No. 42146."
    assert notes[5] == (
        "Effective Management and Disposal of Seized and Confiscated Assets (Vienna, 2017).")
    assert notes[6] == "General Assembly resolution 70/175, annex."
    assert notes[12] == "General Assembly resolution 67/187, annex."
    assert notes[13].startswith("These documents include the Basic Principles on the Independence")
    assert notes[15] == "Ibid., vol. 993, No. 14537."
    assert notes[17] == "General Assembly resolution 69/196, annex."


# --- The parser on small texts -------------------------------------------------------------

SAMPLE = """\
PUBLISHER

**The Title**

We, the States,

Recalling the Charter,¹

Declare the following:

1. We undertake to act;

¹ The Charter.

We therefore endeavour to take the following actions:

Doing things

Doing them well

2. Do this, including by

² *Ibid.*, [p. 2](#).

doing that;²

3. Do more.

BACK COVER
"""


def test_parses_a_small_declaration():
    parsed = parse_declaration(SAMPLE)
    assert parsed.title == "The Title"
    assert parsed.preamble == ["We, the States,", "Recalling the Charter,"]
    assert [(n.number, n.text) for n in parsed.preamble_footnotes] == [(1, "The Charter.")]
    assert [(s.title, s.subsections) for s in parsed.sections] == [
        ("Doing things", ["Doing them well"])]
    second = parsed.paragraph(2)
    assert second.text == "Do this, including by doing that;"
    assert [(n.number, n.text) for n in second.footnotes] == [(2, "Ibid., p. 2.")]
    assert parsed.paragraph(3).text == "Do more."


@pytest.mark.parametrize(("change", "message"), [
    (("2. Do this", "4. Do this"), "paragraph 4 where 2 was due"),
    (("doing that;²", "Doing that;²"), "paragraph 2 breaks off"),
    (("1. We undertake to act;", "1. We undertake to act"), "paragraph 1 breaks off"),
    (("3. Do more.", "3. Do more.\n\nand more."), "text continues no paragraph"),
    (("Doing them well\n", ""), "subheading 'Doing things' under no main heading"),
    (("doing that;²", "doing that;"), "footnotes never cited: [2]"),
    (("Charter,¹", "Charter,²"), "footnote 2 is cited twice"),
    (("Declare the following:", "Declare the following"), "no title and preamble"),
])
def test_refuses_text_that_departs_from_the_shape(change, message):
    with pytest.raises(DeclarationFormatError, match=re.escape(message)):
        parse_declaration(SAMPLE.replace(*change))


# --- Which paragraphs commit States to act -------------------------------------------------


def test_actionable_paragraphs(declaration):
    actionable = {p.number for p in declaration.paragraphs if actionability(p).actionable}
    assert actionable == {3, 4, 5, 7, 8, 10, 15, 17, 20, *range(21, 96)}


def test_every_operative_paragraph_is_an_action_of_its_section(declaration):
    for paragraph in declaration.paragraphs[20:95]:
        assert actionability(paragraph).reason == (
            f"Operative action in section '{paragraph.section}'")
    assert actionability(declaration.paragraph(21)).reason == (
        "Operative action in section 'Advancing crime prevention'")


@pytest.mark.parametrize(("number", "reason"), [
    (3, "Undertaking: 'We undertake…'"),
    (4, "Undertaking: 'We undertake…'"),
    (5, "Undertaking: 'We undertake…'"),
    (7, "Undertaking: 'We undertake…'"),
    (8, "Undertaking: 'We undertake…'"),
    (10, "Undertaking: 'We undertake…'"),
    (15, "Undertaking: 'We commit ourselves…'"),
    (17, "Undertaking: 'We recommit…'"),
    (20, "Undertaking: 'We commit…'"),
])
def test_undertakings_are_actionable(declaration, number, reason):
    assert actionability(declaration.paragraph(number)) == Actionability(True, reason)


@pytest.mark.parametrize(("number", "reason"), [
    (1, "Expresses concern; no commitment to act"),
    (2, "Expresses concern; no commitment to act"),
    (13, "Expresses concern; no commitment to act"),
    (14, "Expresses concern; no commitment to act"),
    (6, "Draws attention to a need; no commitment to act"),
    (9, "Emphasizes the role of States; no commitment to act"),
    (16, "Recognizes a need; no commitment to act"),
    # 11 reaffirms a commitment, but to the role of a United Nations body.
    (11, "Reaffirms the role of the Commission on Crime Prevention and Criminal Justice; not an "
         "undertaking by States to act"),
    (12, "Reaffirms the role of the United Nations Office on Drugs and Crime; not an undertaking "
         "by States to act"),
    (18, "Reaffirms the existing responsibility of all States; restates obligations rather than "
         "undertaking new action"),
    (19, "Reaffirms the existing responsibility of all States; restates obligations rather than "
         "undertaking new action"),
    (96, "Addressed to the Commission on Crime Prevention and Criminal Justice, not to States"),
    (97, "Expression of thanks"),
])
def test_statements_are_not_actionable(declaration, number, reason):
    assert actionability(declaration.paragraph(number)) == Actionability(False, reason)


def test_a_paragraph_no_rule_knows_is_refused():
    paragraph = Paragraph(number=1, text="We wonder about it;", section=None, subsection=None,
                          lead_in="Declare the following")
    with pytest.raises(DeclarationFormatError, match="no rule says whether"):
        actionability(paragraph)
