"""A capital stands for its country: "Baku said" is "Azerbaijan said".

News, diplomacy and history name a government by its seat ("Moscow warned", "talks with
Ankara") as often as by its country, and a question asked in other words than its source
often switches one for the other. The pairs come from the `countryinfo` package's offline
data (every country's name and capital; nothing is downloaded). A question word that is a
capital, written as a name or typed in lower case, is also searched as its country, with a
variant's reduced weight (see `index.query`). Not the other way: in sources about a
country, "Armenia" also searched as "Yerevan" favours passages about the city; and demonyms
("Turkish" for Turkey) are left out, neutral on SQuAD (both measured,
bench/results/experiments.md). Only one-word names count: "Washington" for "United States"
would bring in "united" and "states".
"""

from __future__ import annotations

from functools import lru_cache

from countryinfo import CountryInfo, all_countries


def load() -> None:
    """Read the country data now (about 0.03 s) rather than at the first question."""
    _pairs()


def counterpart(word: str) -> str | None:
    """Return the country of a capital, lower-case, or None."""
    return _pairs().get(word.lower())


@lru_cache(maxsize=1)
def _pairs() -> dict[str, str]:
    """Return capital → country, for one-word names only."""
    claims: dict[str, tuple[int, str]] = {}  # capital -> (population, country) of its likeliest
    for country in all_countries():
        name = str(country.name() or "").lower()
        capital = str(country.capital() or "").lower()
        if not (name.isalpha() and capital.isalpha()) or capital == name:
            continue  # "United States" (its words would be searched alone), city-states
        people = _population(country)
        # A capital that two entries name (a country and a territory it governs) goes to the
        # more populous.
        if capital not in claims or claims[capital][0] < people:
            claims[capital] = (people, name)
    return {capital: name for capital, (_, name) in claims.items()}


def _population(country: CountryInfo) -> int:
    try:
        return int(country.population() or 0)
    except (TypeError, ValueError):
        return 0
