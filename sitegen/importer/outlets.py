"""Outlet names: the many ways a page or a clipping names an outlet -> one full name.

"AP", "(AP)", "Associated Press" and apnews.com all become "The Associated Press", so the
site's source pages do not split one outlet into several. Names not in the table are tidied
(a shouted "POLITICO" becomes "Politico", a bare domain is dropped) but kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Outlet:
    name: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    timezone: str | None = None  # where the outlet dates its stories, for UTC-only timestamps


_NY, _LON, _LA = "America/New_York", "Europe/London", "America/Los_Angeles"

OUTLETS: tuple[Outlet, ...] = (
    # Wire services and agencies
    Outlet("The Associated Press", ("AP", "Associated Press", "AP News"), ("apnews.com",), _NY),
    Outlet("Reuters", ("Thomson Reuters", "Reuters.com"), ("reuters.com",), None),
    Outlet(
        "Agence France-Presse",
        ("AFP", "Agence France Presse", "AFP News"),
        ("afp.com",),
        "Europe/Paris",
    ),
    Outlet("Bloomberg", ("Bloomberg News",), ("bloomberg.com",), _NY),
    Outlet("Deutsche Presse-Agentur", ("dpa",), ("dpa.com",), "Europe/Berlin"),
    Outlet("Agencia EFE", ("EFE",), ("efe.com",), "Europe/Madrid"),
    Outlet("ANSA", (), ("ansa.it",), "Europe/Rome"),
    Outlet("Yonhap News Agency", ("Yonhap",), ("yna.co.kr", "en.yna.co.kr"), "Asia/Seoul"),
    Outlet("Kyodo News", ("Kyodo",), ("kyodonews.net",), "Asia/Tokyo"),
    Outlet("Xinhua", ("Xinhua News Agency",), ("xinhuanet.com", "news.cn"), "Asia/Shanghai"),
    Outlet("TASS", (), ("tass.com", "tass.ru"), "Europe/Moscow"),
    Outlet("Interfax", (), ("interfax.com",), "Europe/Moscow"),
    Outlet("Ukrinform", (), ("ukrinform.net",), "Europe/Kyiv"),
    Outlet("Anadolu Agency", ("Anadolu", "AA"), ("aa.com.tr",), "Europe/Istanbul"),
    Outlet("PA Media", ("PA", "Press Association", "PA Wire"), (), _LON),
    Outlet("The Canadian Press", ("CP", "Canadian Press"), (), "America/Toronto"),
    Outlet("Australian Associated Press", ("AAP",), ("aap.com.au",), "Australia/Sydney"),
    Outlet("Press Trust of India", ("PTI",), ("ptinews.com",), "Asia/Kolkata"),
    # Broadcasters
    Outlet("BBC News", ("BBC", "BBC World Service"), ("bbc.co.uk", "bbc.com"), _LON),
    Outlet("CNN", ("Cable News Network", "CNN Wire"), ("cnn.com", "edition.cnn.com"), _NY),
    Outlet("NPR", ("National Public Radio",), ("npr.org",), _NY),
    Outlet("NBC News", (), ("nbcnews.com",), _NY),
    Outlet("CBS News", (), ("cbsnews.com",), _NY),
    Outlet("ABC News", (), ("abcnews.go.com",), _NY),
    Outlet("Fox News", (), ("foxnews.com",), _NY),
    Outlet("PBS NewsHour", ("PBS",), ("pbs.org",), _NY),
    Outlet("Sky News", (), ("news.sky.com",), _LON),
    Outlet("Al Jazeera", ("Al Jazeera English",), ("aljazeera.com",), "Asia/Qatar"),
    Outlet("Deutsche Welle", ("DW", "DW News"), ("dw.com",), "Europe/Berlin"),
    Outlet("France 24", ("FRANCE 24",), ("france24.com",), "Europe/Paris"),
    Outlet("Euronews", (), ("euronews.com",), "Europe/Brussels"),
    Outlet("NHK World", ("NHK", "NHK World-Japan"), ("nhk.or.jp",), "Asia/Tokyo"),
    Outlet("Radio Free Europe/Radio Liberty", ("RFE/RL",), ("rferl.org",), "Europe/Prague"),
    Outlet("Voice of America", ("VOA", "VOA News"), ("voanews.com",), _NY),
    Outlet("CBC News", ("CBC",), ("cbc.ca",), "America/Toronto"),
    Outlet("ABC News (Australia)", ("ABC Australia",), ("abc.net.au",), "Australia/Sydney"),
    # Newspapers and magazines
    Outlet("The New York Times", ("New York Times", "NYT", "NYTimes"), ("nytimes.com",), _NY),
    Outlet("The Washington Post", ("Washington Post",), ("washingtonpost.com",), _NY),
    Outlet("The Wall Street Journal", ("Wall Street Journal", "WSJ"), ("wsj.com",), _NY),
    Outlet("USA Today", ("USA TODAY", "USA TODAY NETWORK", "USA Today Network"), ("usatoday.com",), _NY),
    Outlet("Los Angeles Times", ("LA Times", "L.A. Times"), ("latimes.com",), _LA),
    Outlet("The Boston Globe", ("Boston Globe",), ("bostonglobe.com",), _NY),
    Outlet("Chicago Tribune", (), ("chicagotribune.com",), "America/Chicago"),
    Outlet("The Baltimore Sun", ("Baltimore Sun",), ("baltimoresun.com",), _NY),
    Outlet("The Seattle Times", ("Seattle Times",), ("seattletimes.com",), _LA),
    Outlet("Politico", ("POLITICO", "Politico Europe"), ("politico.com", "politico.eu"), _NY),
    Outlet("Axios", (), ("axios.com",), _NY),
    Outlet("The Guardian", ("Guardian", "the Guardian", "The Observer"), ("theguardian.com",), _LON),
    Outlet("The Telegraph", ("Telegraph", "The Daily Telegraph"), ("telegraph.co.uk",), _LON),
    Outlet("The Times", ("The Times of London",), ("thetimes.co.uk",), _LON),
    Outlet("The Independent", ("Independent",), ("independent.co.uk",), _LON),
    Outlet("Financial Times", ("FT",), ("ft.com",), _LON),
    Outlet("The Economist", ("Economist",), ("economist.com",), _LON),
    Outlet("Daily Mirror", ("Mirror", "Mirror Online", "The Mirror"), ("mirror.co.uk",), _LON),
    Outlet("Daily Mail", ("Mail Online", "MailOnline"), ("dailymail.co.uk",), _LON),
    Outlet("Le Monde", (), ("lemonde.fr",), "Europe/Paris"),
    Outlet("Der Spiegel", ("Spiegel", "DER SPIEGEL"), ("spiegel.de",), "Europe/Berlin"),
    Outlet("El País", ("El Pais",), ("elpais.com",), "Europe/Madrid"),
    Outlet("Kyiv Independent", ("The Kyiv Independent",), ("kyivindependent.com",), "Europe/Kyiv"),
    Outlet("The Moscow Times", ("Moscow Times",), ("themoscowtimes.com",), "Europe/Moscow"),
    Outlet("Meduza", (), ("meduza.io",), "Europe/Riga"),
    Outlet("Haaretz", (), ("haaretz.com",), "Asia/Jerusalem"),
    Outlet("The Times of Israel", ("Times of Israel",), ("timesofisrael.com",), "Asia/Jerusalem"),
    Outlet("South China Morning Post", ("SCMP",), ("scmp.com",), "Asia/Hong_Kong"),
    Outlet("Nikkei Asia", ("Nikkei",), ("asia.nikkei.com",), "Asia/Tokyo"),
    Outlet("The Japan Times", ("Japan Times",), ("japantimes.co.jp",), "Asia/Tokyo"),
    Outlet("The Korea Herald", ("Korea Herald",), ("koreaherald.com",), "Asia/Seoul"),
    Outlet("Korea JoongAng Daily", ("JoongAng Daily",), ("koreajoongangdaily.joins.com",), "Asia/Seoul"),
    Outlet("The Hindu", (), ("thehindu.com",), "Asia/Kolkata"),
    Outlet("Hindustan Times", ("HT",), ("hindustantimes.com",), "Asia/Kolkata"),
    Outlet(
        "The Times of India",
        ("Times of India", "TOI"),
        ("timesofindia.indiatimes.com",),
        "Asia/Kolkata",
    ),
    Outlet(
        "The Sydney Morning Herald",
        ("Sydney Morning Herald", "SMH"),
        ("smh.com.au",),
        "Australia/Sydney",
    ),
    Outlet("Stuff", ("Stuff.co.nz",), ("stuff.co.nz",), "Pacific/Auckland"),
    Outlet("Forbes", (), ("forbes.com",), _NY),
    Outlet("Wired", ("WIRED",), ("wired.com",), _NY),
    Outlet("BuzzFeed News", (), ("buzzfeednews.com",), _NY),
    Outlet("Ars Technica", (), ("arstechnica.com",), _NY),
)

_BY_KEY: dict[str, Outlet] = {}
_BY_DOMAIN: dict[str, Outlet] = {}
for _outlet in OUTLETS:
    for _alias in (_outlet.name, *_outlet.aliases):
        _BY_KEY.setdefault(re.sub(r"[^\w]+", " ", _alias.casefold()).strip(), _outlet)
    for _domain in _outlet.domains:
        _BY_DOMAIN[_domain] = _outlet

_DOMAIN_LIKE = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.I)
# Country domains whose outlets date stories in one timezone, for outlets not in the table.
_TLD_TIMEZONES = {
    ".co.uk": _LON,
    ".co.nz": "Pacific/Auckland",
    ".com.au": "Australia/Sydney",
    ".co.in": "Asia/Kolkata",
    ".ie": "Europe/Dublin",
    ".de": "Europe/Berlin",
    ".fr": "Europe/Paris",
    ".ua": "Europe/Kyiv",
    ".jp": "Asia/Tokyo",
    ".kr": "Asia/Seoul",
}


def _key(name: str) -> str:
    return re.sub(r"[^\w]+", " ", name.casefold()).strip()


def lookup(name: str) -> Outlet | None:
    """The known outlet called `name` ("AP", "the Guardian", "reuters.com"), if any."""
    name = name.strip()
    if _DOMAIN_LIKE.match(name) and name.islower():
        return by_domain(name)
    return _BY_KEY.get(_key(name)) or _BY_KEY.get(_key(re.sub(r"^the\s+", "", name, flags=re.I)))


def host_of(url: str) -> str:
    """The host of a URL, lowercased; '' when it has none or cannot be read ('http://[x/')."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def by_domain(url_or_host: str) -> Outlet | None:
    host = host_of(url_or_host) if "//" in url_or_host else url_or_host.lower()
    host = host.removeprefix("www.")
    while host:
        if host in _BY_DOMAIN:
            return _BY_DOMAIN[host]
        host = host.partition(".")[2]
    return None


def normalise(name: str | None) -> str | None:
    """The outlet's full name: 'AP' -> 'The Associated Press'; None for a name that is no name.

    A name not in the table is kept, tidied: whitespace collapsed, an all-capitals word of five
    letters or more in title case ('POLITICO' -> 'Politico'; 'NPR', 'KTRK' stay), and a bare
    domain ('example.com') is refused since it is not how a reader names an outlet.
    """
    if not name:
        return None
    name = re.sub(r"\s+", " ", name).strip(" -|·•,")
    if not name or len(name) > 80:
        return None
    known = lookup(name)
    if known:
        return known.name
    if _DOMAIN_LIKE.match(name) and name.islower():
        return None  # 'baltimoresun.com' is an address; 'Phys.org' is a name
    words = [w.capitalize() if w.isalpha() and w.isupper() and len(w) >= 5 else w for w in name.split()]
    return " ".join(words)


def timezone_for(source: str | None, url: str | None) -> str | None:
    """Where the outlet dates its stories: from the table, else from a country domain."""
    known = (lookup(source) if source else None) or (by_domain(url) if url else None)
    if known and known.timezone:
        return known.timezone
    host = host_of(url) if url else ""
    for suffix, zone in _TLD_TIMEZONES.items():
        if host.endswith(suffix):
            return zone
    return None
