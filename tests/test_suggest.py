"""The importer's region and tag suggestions (sitegen/importer/suggest.py) and site.yaml's
regions_map."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.importer.suggest import (
    MAX_TAGS,
    ClippingText,
    KnownTag,
    SiteTerms,
    Suggestion,
    known_tags,
    suggest_regions,
    suggest_tags,
)

SAMPLE_REGIONS = (
    "Europe",
    "Middle East",
    "East Asia",
    "North America",
    "Latin America",
    "Sub-Saharan Africa",
)
SAMPLE_MAP = (
    ("Western Asia", "Middle East"),
    ("Eastern Asia", "East Asia"),
    ("Northern America", "North America"),
    ("Latin America and the Caribbean", "Latin America"),
)
TERMS = SiteTerms((), SAMPLE_REGIONS, SAMPLE_MAP)


def regions(headline: str, lead: str = "", body: str = "", terms: SiteTerms = TERMS) -> tuple[str, ...]:
    return suggest_regions(ClippingText(headline, lead, body), terms)


# --- regions --------------------------------------------------------------------------------


def test_a_country_in_the_headline_gives_its_region():
    assert regions("Ukraine's grid operator warns of shortfalls") == ("Europe",)


def test_cities_count_for_their_country():
    assert regions("Talks resume", "Negotiators met in Nairobi and Lagos on Monday.") == (
        "Sub-Saharan Africa",
    )


def test_the_headline_and_lead_outweigh_the_body():
    # Japan in the headline (3) beats Germany twice in the body (2): the second region needs half.
    assert regions("Japan wins auction", body="Germany bid. Germany lost.") == ("East Asia", "Europe")
    assert regions("Japan wins auction", body="Germany bid.") == ("East Asia",)


def test_a_place_named_once_in_passing_is_not_a_region():
    assert regions("Markets steady", body="A trader in Brazil said little changed.") == ()


def test_at_most_two_regions():
    found = regions("Japan, Brazil and France sign a pact", "Japan, Brazil and France agreed.")
    assert len(found) == 2


@pytest.mark.parametrize(
    "headline",
    [
        "Thanksgiving turkey prices fall as feed costs ease",  # lower case: the bird
        "Roast Turkey recipes for the holidays",  # capital, but nothing else says the country
        "Jordan scores 40 as Bulls win",
        "Chad Smith joins the board",
        "Georgia voters head to the polls",
    ],
)
def test_ambiguous_names_alone_are_no_country(headline: str):
    assert regions(headline, headline) == ()


def test_ambiguous_names_count_when_the_text_confirms_the_country():
    assert regions("Turkey raises rates", "The Turkish central bank in Ankara acted.") == ("Middle East",)
    assert regions("Georgia protests grow", "Crowds filled Tbilisi again.") == ("Middle East",)
    assert regions("Chad reopens border", "Traders in N'Djamena welcomed it.") == ("Sub-Saharan Africa",)
    # Georgia the state: confirmed by the United States, not by the country.
    assert regions("Georgia lawmakers pass budget", "The US state joins Texas.") == ("North America",)


def test_names_inside_longer_names_are_not_countries():
    assert regions("New Mexico drought deepens", "New Mexico and New Jersey act.") == ("North America",)
    assert regions("Papua New Guinea votes", "Papua New Guinea counts.") == ("Melanesia",)
    assert regions("South Sudan talks", "South Sudan and Sudan meet.")[0] == "Sub-Saharan Africa"


def test_common_words_and_small_towns_are_not_places():
    # 'Reading' (a town), 'Nice' (a city of 340,000) and 'Mobile' fall below the population rule.
    assert regions("Reading council approves bus lanes", "Nice weather; Mobile operators agree.") == ()


def test_country_names_need_their_capital_letter():
    assert regions("Fine china and turkey on the menu", "fine china and turkey") == ()


def test_default_region_is_the_un_group_the_site_uses_else_the_sub_region():
    plain = SiteTerms((), ("Europe",), ())
    assert regions("Kenya votes", "Kenya votes.", terms=plain) == ("Sub-Saharan Africa",)
    assert regions("France votes", "France votes.", terms=plain) == ("Europe",)
    assert regions("Kenya votes", "Kenya votes.", terms=SiteTerms((), ("Eastern Africa",), ())) == (
        "Eastern Africa",
    )
    assert regions("Iran votes", "Iran votes.", terms=SiteTerms((), (), ())) == ("Southern Asia",)


def test_regions_map_a_country_wins_over_its_group():
    terms = SiteTerms((), (), (("Western Asia", "Middle East"), ("Türkiye", "Europe")))
    assert regions("Türkiye votes", "Türkiye votes.", terms=terms) == ("Europe",)
    assert regions("Qatar votes", "Qatar votes.", terms=terms) == ("Middle East",)


# --- tags -----------------------------------------------------------------------------------


def tags(headline: str, lead: str, body: str, known: tuple[KnownTag, ...]) -> tuple[str, ...]:
    return suggest_tags(ClippingText(headline, lead, body), known)


def tag(name: str, uses: int = 1, *aliases: str) -> KnownTag:
    return KnownTag(name, (name, name.replace("-", " "), *aliases), uses)


def test_only_existing_tags_are_suggested():
    known = (tag("energy"), tag("shipping"))
    assert tags("Gas prices soar", "Energy ministers meet.", "Nothing about boats.", known) == ("energy",)


def test_whole_words_only():
    known = (tag("trade"), tag("lng"), tag("art"))
    assert tags("Trader wins", "Tradewinds blow; the party started.", "", known) == ()


def test_short_tags_need_capitals():
    known = (tag("lng"), tag("us"))
    assert tags("Tell us more", "LNG cargoes rise.", "", known) == ("lng",)


def test_plurals_and_case_and_hyphens_match():
    known = (tag("elections", 3), tag("port-strike", 2), tag("offshore-wind", 1))
    found = tags("Election results", "A Port Strike looms as offshore wind grows.", "", known)
    assert set(found) == {"elections", "port-strike", "offshore-wind"}


def test_aliases_suggest_the_canonical_tag():
    known = known_tags([["port-strike"], ["port-strike"]], {"port-strike": ["dock-strike"]})
    assert tags("Dock strike called", "", "", known) == ("port-strike",)


def test_ranked_by_place_then_frequency_then_use():
    known = (tag("energy", 1), tag("shipping", 1), tag("trade", 9), tag("climate", 5))
    found = tags("Shipping woes", "", "Energy and energy and energy. Trade. Climate.", known)
    # shipping: once in the headline (3) = energy: three times in the body (3); equal scores and
    # uses go by name; trade and climate, once in the body each, by use.
    assert found == ("energy", "shipping", "trade", "climate")


def test_at_most_five_tags():
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta"]
    known = tuple(tag(n) for n in names)
    found = tags(" ".join(names), "", "", known)
    assert len(found) == MAX_TAGS == 5


def test_more_used_tag_first_on_equal_mentions():
    known = (tag("energy", 1), tag("climate", 7))
    assert tags("Energy and climate", "", "", known) == ("climate", "energy")


def test_known_tags_merge_spellings_and_count_uses():
    known = known_tags([["Energy"], ["energy"], ["energy", "trade"]], {})
    by_name = {t.name: t for t in known}
    assert by_name["energy"].uses == 3 and "Energy" in by_name["energy"].spellings
    assert by_name["trade"].uses == 1


def test_describe_is_one_line():
    assert (
        Suggestion(("Europe",), ("energy", "gas")).describe() == "suggested region: Europe; tags: energy, gas"
    )
    assert Suggestion((), ()).describe() == "suggested region: (none); tags: (none)"


# --- site.yaml: regions_map -------------------------------------------------------------------


def test_regions_map_is_read(tmp_path: Path):
    (tmp_path / "site.yaml").write_text("regions_map:\n  Ukraine: Europe\n  Western Asia: Middle East\n")
    config, problems = load_config(tmp_path)
    assert not [p for p in problems if p.is_error]
    assert config.regions_map == (("Ukraine", "Europe"), ("Western Asia", "Middle East"))


def test_regions_map_errors_name_file_and_line(tmp_path: Path):
    (tmp_path / "site.yaml").write_text(
        "title: T\nregions_map:\n  Ukraine: Europe\n  Ukrain: Europe\n  France: [Europe]\n"
    )
    _, problems = load_config(tmp_path)
    errors = [p for p in problems if p.is_error]
    assert [(p.path, p.line) for p in errors] == [("site.yaml", 4), ("site.yaml", 5)]
    assert "'Ukrain' is not a country" in str(errors[0])
    assert "expected a region name" in str(errors[1])


def test_regions_map_must_be_a_mapping(tmp_path: Path):
    (tmp_path / "site.yaml").write_text("regions_map: [Europe]\n")
    _, problems = load_config(tmp_path)
    assert [(p.line, p.is_error) for p in problems if "regions_map" in p.message] == [(1, True)]


# --- sitegen import -----------------------------------------------------------------------------

CLIPPING = """Kenya's tea auctions slump as drought cuts harvest
By Ana Ruiz, Reuters
Published March 3, 2025

Prices at the Mombasa tea auction fell for a third week as a prolonged drought in Kenya cut trade.

Exporters said sales had slowed; shipping costs rose. Us too, said a broker.
"""


def tagged_site(tmp_path: Path) -> Path:
    folder = tmp_path / "content" / "2024" / "01"
    folder.mkdir(parents=True)
    for number, tags in enumerate([["drought", "trade"], ["trade", "shipping"], ["energy"], ["us"]]):
        (folder / f"a{number}.md").write_text(
            f'---\ntitle: "A{number}"\ndate: 2024-01-0{number + 1}\nsource: "Wire"\n'
            f"region: Sub-Saharan Africa\ntags: [{', '.join(tags)}]\n---\n\nText {number}.\n"
        )
    (tmp_path / "site.yaml").write_text('title: "T"\n')
    return tmp_path


def front_matter_of(path: Path) -> dict[str, object]:
    """An article's front matter as the build reads it."""
    from sitegen.load import parse_article

    source, problems = parse_article(path.read_bytes(), path, path.name)
    assert source is not None, [str(p) for p in problems]
    return source.front_matter


def run_import(argv: list[str], capsys) -> tuple[int, str, str]:
    from sitegen.cli import main

    code = main(["import", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_writes_and_prints_its_suggestions(tmp_path: Path, capsys):
    root = tagged_site(tmp_path)
    clip = tmp_path / "tea.txt"
    clip.write_text(CLIPPING)
    code, out, err = run_import(["--site", str(root), str(clip)], capsys)
    assert code == 0, err
    assert f"{clip}: suggested region: Sub-Saharan Africa; tags: drought, trade, shipping\n" in err
    front = front_matter_of(Path(out.strip()))
    assert front["region"] == "Sub-Saharan Africa"
    assert front["tags"] == ["drought", "trade", "shipping"]  # never 'us' from 'Us too', never 'tea'


def test_explicit_region_and_tags_win(tmp_path: Path, capsys):
    root = tagged_site(tmp_path)
    clip = tmp_path / "tea.txt"
    clip.write_text(CLIPPING)
    code, out, _ = run_import(["--site", str(root), "--region", "Africa", "--tags", "tea", str(clip)], capsys)
    assert code == 0
    front = front_matter_of(Path(out.strip()))
    assert (front["region"], front["tags"]) == ("Africa", ["tea"])


def test_no_suggest_writes_none_and_prints_none(tmp_path: Path, capsys):
    root = tagged_site(tmp_path)
    clip = tmp_path / "tea.txt"
    clip.write_text(CLIPPING)
    code, out, err = run_import(["--site", str(root), "--no-suggest", str(clip)], capsys)
    assert code == 0
    assert "suggested" not in err
    front = front_matter_of(Path(out.strip()))
    assert "region" not in front and "tags" not in front


def test_import_of_a_near_duplicate_exits_1_with_one_line(tmp_path: Path, capsys):
    root = tagged_site(tmp_path)
    story = " ".join(f"Sentence {n} tells of tea prices in the auction this week." for n in range(10))
    clip = tmp_path / "tea.txt"
    clip.write_text(CLIPPING.replace("Exporters said", story + "\n\nExporters said"))
    assert run_import(["--site", str(root), str(clip)], capsys)[0] == 0
    again = tmp_path / "again.txt"
    again.write_text(clip.read_text().replace("Kenya's tea auctions slump", "Tea prices fall in Kenya"))
    code, out, err = run_import(["--site", str(root), str(again)], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "nearly the same text as content/2025/03/" in err and "--force" in err
    code, out, err = run_import(["--site", str(root), "--force", str(again)], capsys)
    assert code == 0 and out.strip()


# --- the gazetteer's trie pattern equals the plain list of names --------------------------------


def test_trie_pattern_matches_what_the_plain_alternation_matches():
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sitegen import places

    gazetteer = places.gazetteer()
    names = sorted(gazetteer.countries_of)
    plain = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    reference = re.compile(rf"(?<!\w)(?:{plain})(?!\w)")
    pieces = st.sampled_from([*names, "New", "South", "Guinea", "the", "of", "x", "Sudanese"])
    glue = st.sampled_from(["", " ", "-", ", ", "'s ", "\n", "."])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.tuples(pieces, glue), max_size=25))
    def check(parts):
        text = "".join(piece + sep for piece, sep in parts)
        found = [(m.start(), m.group(0)) for m in gazetteer.pattern.finditer(text)]
        assert found == [(m.start(), m.group(0)) for m in reference.finditer(text)]

    check()


def test_a_long_text_is_read_quickly():
    import time

    body = "The port of Rotterdam and Sudan said energy trade rose. " * 3000
    known = (tag("energy"), tag("trade"), tag("port-strike"))
    regions("warm up")  # the gazetteer is built once
    start = time.perf_counter()
    regions("Headline", "", body)
    tags("Headline", "", body, known)
    assert time.perf_counter() - start < 5  # seconds, with both cores busy
