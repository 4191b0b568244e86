"""Loading the UN Member States."""

from __future__ import annotations

import csv
import functools
import gettext
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pycountry
import sqlalchemy as sa
from flask_babel import get_locale

from survey.core.db import db
from survey.states.models import ParticipantKind, RegionalGroup, State


@dataclass(frozen=True)
class MemberState:
    code: str
    name: str
    regional_group: RegionalGroup


def display_name(code: str) -> str:
    """A State's English name: the UN's where pycountry's differs ("United States of
    America", not "United States"; "Venezuela (Bolivarian Republic of)", filed under V as
    in UN lists), otherwise pycountry's with its index form turned round for reading
    ("Korea, Republic of" becomes "Republic of Korea")."""
    return NAME_CORRECTIONS.get(("en", code)) or _reading_form(code)


def _reading_form(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise ValueError(f"unknown ISO 3166-1 alpha-3 code {code!r}")
    name = country.name
    match = re.fullmatch(r"(?P<short>[^,]+), (?:The )?(?P<qualifier>.+ of(?: the)?)", name)
    return f"{match['qualifier']} {match['short']}" if match else name


# pycountry's ISO 3166-1 catalog for each interface language but English.
CATALOGS = {"ar": "ar", "es": "es", "fr": "fr", "ru": "ru", "zh": "zh_CN"}

# Where pycountry's catalog does not give a State's name as it reads in that language (an
# index form, an outdated, misspelt or missing translation, a colloquial short form), the
# name the UN uses. Five States' UN short names put the qualifier in brackets after the
# name they are filed under ("Bolivia (Plurinational State of)"; the Netherlands since
# 2022); the others' are the reading form.
NAME_CORRECTIONS = {
    ("en", "BOL"): "Bolivia (Plurinational State of)",
    ("fr", "BOL"): "Bolivie (État plurinational de)",
    ("es", "BOL"): "Bolivia (Estado Plurinacional de)",
    ("ru", "BOL"): "Боливия (Многонациональное Государство)",
    ("ar", "BOL"): "بوليفيا (دولة - المتعددة القوميات)",
    ("en", "IRN"): "Iran (Islamic Republic of)",
    ("fr", "IRN"): "Iran (République islamique d')",
    ("es", "IRN"): "Irán (República Islámica del)",
    ("ru", "IRN"): "Иран (Исламская Республика)",
    ("ar", "IRN"): "إيران (جمهورية - الإسلامية)",
    ("en", "FSM"): "Micronesia (Federated States of)",
    ("fr", "FSM"): "Micronésie (États fédérés de)",
    ("es", "FSM"): "Micronesia (Estados Federados de)",
    ("ru", "FSM"): "Микронезия (Федеративные Штаты)",
    ("ar", "FSM"): "ميكرونيزيا (ولايات - الموحدة)",
    ("en", "VEN"): "Venezuela (Bolivarian Republic of)",
    ("fr", "VEN"): "Venezuela (République bolivarienne du)",
    ("es", "VEN"): "Venezuela (República Bolivariana de)",
    ("ru", "VEN"): "Венесуэла (Боливарианская Республика)",
    ("ar", "VEN"): "فنزويلا (جمهورية - البوليفارية)",
    ("en", "NLD"): "Netherlands (Kingdom of the)",
    ("fr", "NLD"): "Pays-Bas (Royaume des)",
    ("es", "NLD"): "Países Bajos (Reino de los)",
    ("ru", "NLD"): "Нидерланды (Королевство)",
    ("zh", "NLD"): "荷兰王国",
    ("ar", "NLD"): "هولندا (مملكة)",
    ("en", "GBR"): "United Kingdom of Great Britain and Northern Ireland",
    ("fr", "GBR"): "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord",
    ("es", "GBR"): "Reino Unido de Gran Bretaña e Irlanda del Norte",
    ("ru", "GBR"): "Соединенное Королевство Великобритании и Северной Ирландии",
    ("zh", "GBR"): "大不列颠及北爱尔兰联合王国",
    ("ar", "GBR"): "المملكة المتحدة لبريطانيا العظمى وأيرلندا الشمالية",
    ("en", "USA"): "United States of America",
    ("fr", "USA"): "États-Unis d'Amérique",
    ("es", "USA"): "Estados Unidos de América",
    ("ru", "USA"): "Соединенные Штаты Америки",
    ("zh", "USA"): "美利坚合众国",
    ("ar", "USA"): "الولايات المتحدة الأمريكية",
    ("ar", "CIV"): "كوت ديفوار",
    ("ar", "TUR"): "تركيا",
    ("ar", "VAT"): "الكرسي الرسولي (دولة مدينة الفاتيكان)",
    ("es", "CIV"): "Côte d'Ivoire",
    ("es", "COM"): "Comoras",
    ("es", "LAO"): "República Democrática Popular Lao",
    ("es", "SYR"): "República Árabe Siria",
    ("fr", "LAO"): "République démocratique populaire lao",
    ("fr", "PRK"): "République populaire démocratique de Corée",
    ("fr", "PSE"): "État de Palestine",
    ("fr", "RUS"): "Fédération de Russie",
    ("fr", "SLB"): "Îles Salomon",
    ("fr", "SYR"): "République arabe syrienne",
    ("zh", "BOL"): "多民族玻利维亚国",
}


def localized_name(code: str, name: str, locale: str | None) -> str:
    """A State's name as it reads in an interface language.

    :param code: the State's ISO 3166-1 alpha-3 code
    :param name: its stored name, returned as it is unless it is still pycountry's English
        name for the code (a name an administrator gave is never replaced)
    :param locale: "fr", "zh", ...; English, None or a language without a catalog gives
        ``name``
    """
    language = (locale or "en").split("_")[0]
    if language not in CATALOGS or _names("en").get(code) != name:
        return name
    return _names(language)[code]


def state_name(state: Any) -> str:
    """The name of a State (or of any row with its ``code`` and ``name``) in the current
    language; templates say ``state | state_name``."""
    return localized_name(state.code, state.name, str(get_locale() or "en"))


def alphabetical_key(name: str) -> str:
    """A sort key that puts names in alphabetical order in any of the languages written with
    accents: case and accents aside ("États-Unis" with the E's)."""
    return "".join(c for c in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(c)).casefold()


def name_matches(state: Any, text: str) -> bool:
    """Whether what someone typed in a search finds this State: its code, or part of its name
    as stored or as it reads in any of the six languages, case and accents aside (so that
    "cote" finds Côte d'Ivoire, and "Япония" or "اليابان" finds Japan whatever the
    interface language)."""
    wanted = alphabetical_key(text.strip())
    if not wanted:
        return True
    if state.code.casefold() == wanted:
        return True
    names = [state.name] + [localized_name(state.code, state.name, language)
                            for language in CATALOGS]
    return any(wanted in alphabetical_key(name) for name in names)


@functools.cache
def _names(language: str) -> dict[str, str]:
    """Every ISO 3166-1 country's name in ``language``, by alpha-3 code (built once)."""
    if language == "en":
        return {c.alpha_3: display_name(c.alpha_3) for c in pycountry.countries}
    catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                  languages=[CATALOGS[language]])
    names: dict[str, str] = {}
    for country in pycountry.countries:
        name = catalog.gettext(country.name)
        if _reading_form(country.alpha_3) != country.name:  # "Korea, Republic of"
            official = getattr(country, "official_name", None)
            translated = catalog.gettext(official) if official else None
            name = translated if translated and translated != official else _reading_order(name)
        name = NAME_CORRECTIONS.get((language, country.alpha_3), name)
        names[country.alpha_3] = _as_the_un_writes(name, language)
    return names


# Arabic's short vowels, tanwin, shadda and sukun: the UN writes names without them.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670]")


def _as_the_un_writes(name: str, language: str) -> str:
    """A catalog's name as UN documents write it: without the stress marks of Russian
    official names ("Респу́блика"), without "ё", which UN Russian texts write "е", and
    without the vowel marks of Arabic ("جمهوريّة" is written "جمهورية")."""
    name = unicodedata.normalize("NFC", name).replace("\u0301", "")
    if language == "ru":
        return name.replace("ё", "е").replace("Ё", "Е")
    if language == "ar":
        return _ARABIC_MARKS.sub("", name)
    return name


def _reading_order(name: str) -> str:
    """A translated index form in reading order: "Corée, République de" becomes "République
    de Corée"; the Arabic catalog gives the whole name after the comma."""
    short, comma, rest = name.partition("، ")
    if comma:
        return rest
    short, comma, rest = name.partition(", ")
    if not comma:
        return name
    return rest + short if rest.endswith(("'", "’")) else f"{rest} {short}"


def member_states() -> list[MemberState]:
    """The 193 Member States, from the list kept in the repository."""
    text = resources.files("survey.states").joinpath("data/un_member_states.csv").read_text(
        encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return [MemberState(row["code"], display_name(row["code"]),
                        RegionalGroup(row["regional_group"])) for row in rows]


def load_member_states() -> int:
    """Add the Member States that are missing; returns how many were added."""
    existing = set(db.session.scalars(sa.select(State.code)))
    added = 0
    for member in member_states():
        if member.code not in existing:
            db.session.add(State(code=member.code, name=member.name,
                                 regional_group=member.regional_group,
                                 kind=ParticipantKind.MEMBER_STATE))
            added += 1
    db.session.flush()
    return added
