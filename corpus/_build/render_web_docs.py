# ruff: noqa: E501  (long lines are HTML template text)
"""Render corpus B (good practices, event reports, news) from the sources in _build/sources/b/.

Generated outputs:
  * corpus/good-practices/*.html   from sources/b/good_practices.yaml
  * corpus/events/*.html, corpus/news/*.html   from sources/b/web_pages.yaml
  * corpus/events/*.docx, corpus/news/*.docx   from sources/b/docx_docs.yaml
  * corpus/_build/catalog/b.yaml   from the three sources above plus the YAML front matter
    of the hand-written Markdown files in corpus/events/ and corpus/news/

Everything is deterministic: the same sources give byte-identical files (the .docx files get
fixed core properties and fixed ZIP timestamps taken from the document date).

Run:  .venv/bin/python corpus/_build/render_web_docs.py
"""

from __future__ import annotations

import html
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import yaml
from docx import Document
from docx.shared import Pt

BUILD = Path(__file__).resolve().parent
CORPUS = BUILD.parent
SOURCES = BUILD / "sources" / "b"
CATALOG = BUILD / "catalog" / "b.yaml"

ILLUSTRATIVE = {
    "en": "Illustrative sample document – not an official UpGradeSME record. The title, figures, "
    "names and dates on this page were written for a test corpus; they are not taken from the "
    "real good-practice database.",
    "hu": "Szemléltető mintadokumentum – nem hivatalos UpGradeSME-dokumentum. Az oldalon szereplő "
    "cím, számadatok, nevek és dátumok egy tesztkorpusz számára készültek, nem a valódi "
    "jógyakorlat-adatbázisból származnak.",
    "ro": "Document ilustrativ – nu este o înregistrare oficială UpGradeSME. Titlul, cifrele, "
    "numele și datele de pe această pagină au fost scrise pentru un corpus de test; ele nu provin "
    "din baza de date reală de bune practici.",
}

GP_LABELS = {
    "en": {
        "home": "Home", "library": "Practice library", "projects": "Projects",
        "topics": "Topics", "about": "About", "contact": "Contact", "search": "Search",
        "summary": "Summary", "description": "Detailed description",
        "resources": "Resources needed", "evidence": "Evidence of success",
        "difficulties": "Difficulties encountered",
        "transfer": "Potential for learning or transfer", "facts": "Practice details",
        "institution": "Main institution", "location": "Location", "timescale": "Timescale",
        "topic": "Topic", "keywords": "Keywords", "project": "Project",
        "covid": "COVID-19 related", "yes": "Yes", "published": "Published",
        "related": "Related practices", "more": "More from this project",
        "cookie": "This site uses only technical cookies needed to remember your language and "
        "your cookie choice. No tracking.",
        "accept": "Accept", "decline": "Decline", "ongoing": "ongoing",
        "footer_about": "A sample library of regional policy practices that help small firms "
        "sell abroad, built as test material for a document search engine.",
        "privacy": "Privacy notice", "legal": "Legal notice", "access": "Accessibility",
        "sitemap": "Sitemap", "newsletter": "Newsletter",
        "region": "region", "breadcrumb_gp": "Good practices",
    },
    "hu": {
        "home": "Kezdőlap", "library": "Jógyakorlat-tár", "projects": "Projektek",
        "topics": "Témák", "about": "Rólunk", "contact": "Kapcsolat", "search": "Keresés",
        "summary": "Összefoglaló", "description": "Részletes leírás",
        "resources": "Szükséges erőforrások", "evidence": "A siker bizonyítékai",
        "difficulties": "Felmerült nehézségek",
        "transfer": "Tanulási és átvételi lehetőségek", "facts": "A gyakorlat adatai",
        "institution": "Fő intézmény", "location": "Helyszín", "timescale": "Időtartam",
        "topic": "Téma", "keywords": "Kulcsszavak", "project": "Projekt",
        "covid": "COVID-19-hez kapcsolódik", "yes": "Igen", "published": "Közzétéve",
        "related": "Kapcsolódó jógyakorlatok", "more": "További anyagok a projektből",
        "cookie": "Ez az oldal csak a nyelvválasztás és a sütibeállítás megjegyzéséhez "
        "szükséges technikai sütiket használ. Nincs követés.",
        "accept": "Elfogadom", "decline": "Elutasítom", "ongoing": "folyamatban",
        "footer_about": "Mintagyűjtemény olyan regionális szakpolitikai gyakorlatokból, amelyek "
        "a kisvállalkozások külpiaci értékesítését segítik; egy dokumentumkereső tesztanyaga.",
        "privacy": "Adatvédelem", "legal": "Impresszum", "access": "Akadálymentesség",
        "sitemap": "Oldaltérkép", "newsletter": "Hírlevél",
        "region": "régió", "breadcrumb_gp": "Jógyakorlatok",
    },
    "ro": {
        "home": "Acasă", "library": "Biblioteca de practici", "projects": "Proiecte",
        "topics": "Teme", "about": "Despre noi", "contact": "Contact", "search": "Căutare",
        "summary": "Rezumat", "description": "Descriere detaliată",
        "resources": "Resurse necesare", "evidence": "Dovezi ale succesului",
        "difficulties": "Dificultăți întâmpinate",
        "transfer": "Potențial de învățare sau transfer", "facts": "Detaliile practicii",
        "institution": "Instituția principală", "location": "Localizare",
        "timescale": "Perioada", "topic": "Temă", "keywords": "Cuvinte-cheie",
        "project": "Proiect", "covid": "Legat de COVID-19", "yes": "Da",
        "published": "Publicat", "related": "Practici similare",
        "more": "Mai multe din acest proiect",
        "cookie": "Acest site folosește doar cookie-uri tehnice, necesare pentru a reține limba "
        "aleasă și opțiunea privind cookie-urile. Nu urmărim vizitatorii.",
        "accept": "Accept", "decline": "Refuz", "ongoing": "în desfășurare",
        "footer_about": "O bibliotecă de test cu practici regionale care ajută firmele mici să "
        "vândă în străinătate, creată pentru un motor de căutare a documentelor.",
        "privacy": "Confidențialitate", "legal": "Mențiuni legale",
        "access": "Accesibilitate", "sitemap": "Harta site-ului", "newsletter": "Buletin",
        "region": "regiunea", "breadcrumb_gp": "Bune practici",
    },
}

THEME_LABELS = {
    "export_promotion": "Export promotion", "access_to_finance": "Access to finance",
    "digitalisation": "Digitalisation", "export_skills": "Export skills",
    "market_intelligence": "Market intelligence", "b2b_matchmaking": "B2B matchmaking",
    "innovation_support": "Innovation support", "covid_response": "COVID-19 response",
    "policy_governance": "Policy governance", "talent_attraction": "Talent attraction",
    "green_economy": "Green economy", "interregional_learning": "Interregional learning",
}

THEME_LABELS_I18N = {
    "hu": {
        "export_promotion": "Exportösztönzés", "access_to_finance": "Finanszírozáshoz jutás",
        "digitalisation": "Digitalizáció", "export_skills": "Exportismeretek",
        "market_intelligence": "Piaci információk", "b2b_matchmaking": "Üzleti partnerkeresés",
        "innovation_support": "Innovációtámogatás", "covid_response": "Válasz a COVID-19-re",
        "policy_governance": "Szakpolitikai irányítás", "talent_attraction": "Tehetségvonzás",
        "green_economy": "Zöldgazdaság", "interregional_learning": "Interregionális tanulás",
    },
    "ro": {
        "export_promotion": "Promovarea exportului", "access_to_finance": "Acces la finanțare",
        "digitalisation": "Digitalizare", "export_skills": "Competențe de export",
        "market_intelligence": "Informații de piață", "b2b_matchmaking": "Întâlniri B2B",
        "innovation_support": "Sprijin pentru inovare", "covid_response": "Răspuns la COVID-19",
        "policy_governance": "Guvernanța politicilor", "talent_attraction": "Atragerea talentelor",
        "green_economy": "Economie verde", "interregional_learning": "Învățare interregională",
    },
}

CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header.site{background:#0b3d5c;color:#fff;padding:0 24px}
header.site a{color:#fff;text-decoration:none}
nav.main ul{list-style:none;display:flex;gap:18px;margin:0;padding:12px 0}
.wrap{display:flex;gap:28px;max-width:1100px;margin:0 auto;padding:18px 24px}
article{flex:3;background:#fff;padding:22px 28px;border-radius:4px}
aside{flex:1;font-size:.92em}
.notice{background:#fff4ce;border:1px solid #e0b000;padding:10px 14px;margin:12px 0}
.cookie{position:fixed;bottom:0;left:0;right:0;background:#222;color:#eee;padding:10px 24px}
footer.site{background:#1d2733;color:#ccd;padding:24px;font-size:.9em}
footer.site a{color:#cde}
dl.facts dt{font-weight:bold;margin-top:8px}
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def paragraphs(value: object) -> str:
    """A string (paragraphs split by blank lines) or a list of strings -> <p> elements.
    Lines starting with '- ' inside a paragraph become a bullet list."""
    if value is None:
        return ""
    items = value if isinstance(value, list) else str(value).strip().split("\n\n")
    out = []
    for item in items:
        item = str(item).strip()
        lines = [ln.strip() for ln in item.splitlines() if ln.strip()]
        if lines and all(ln.startswith("- ") for ln in lines):
            out.append("<ul>" + "".join(f"<li>{esc(ln[2:])}</li>" for ln in lines) + "</ul>")
        else:
            out.append(f"<p>{esc(' '.join(lines))}</p>")
    return "\n".join(out)


# --------------------------------------------------------------------------- good practices


def render_good_practice(gp: dict, all_gps: list[dict]) -> str:
    lang = gp["language"]
    lab = GP_LABELS[lang]
    keywords = ", ".join(gp["keywords"])
    region_name = gp["region_name"]
    related = [g for g in all_gps if g["slug"] != gp["slug"]]
    # deterministic "related" pick: same region first, then shared themes
    related.sort(key=lambda g: (g["region"] != gp["region"],
                                -len(set(g["themes"]) & set(gp["themes"])), g["slug"]))
    related_html = "".join(
        f'<li><a href="{esc(g["slug"])}.html">{esc(g["title"])}</a></li>' for g in related[:4]
    )
    theme_labels = THEME_LABELS_I18N.get(lang, THEME_LABELS)
    topics = ", ".join(theme_labels[t] for t in gp["themes"])
    covid_row = (
        f'<dt>{lab["covid"]}</dt><dd><span class="tag covid">COVID-19</span> {lab["yes"]}</dd>'
        if gp.get("covid") else ""
    )
    timescale = f'{gp["start_year"]} – {gp.get("end_year") or lab["ongoing"]}'
    sections = []
    for key in ("description", "resources", "evidence", "difficulties", "transfer"):
        sections.append(
            f'<section class="gp-{key}">\n<h2>{lab[key]}</h2>\n{paragraphs(gp[key])}\n</section>'
        )
    published = gp["date"]
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(gp["title"])} | {lab["library"]}</title>
<meta name="description" content="{esc(gp["summary"])}">
<meta name="keywords" content="{esc(keywords)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(gp["title"])}">
<meta property="article:published_time" content="{published}T09:00:00+00:00">
<meta property="article:section" content="{lab["breadcrumb_gp"]}">
<link rel="canonical" href="https://practice-library.example.org/{lang}/good-practices/{esc(gp["slug"])}">
<style>{CSS}</style>
</head>
<body>
<div class="cookie" id="cookie-banner" role="dialog" aria-label="Cookies">
<p>{lab["cookie"]} <button type="button">{lab["accept"]}</button> <button type="button">{lab["decline"]}</button></p>
</div>
<header class="site">
<a class="logo" href="/{lang}/">SME Export Practice Library</a>
<nav class="main" aria-label="Main">
<ul>
<li><a href="/{lang}/">{lab["home"]}</a></li>
<li><a href="/{lang}/good-practices/">{lab["library"]}</a></li>
<li><a href="/{lang}/projects/">{lab["projects"]}</a></li>
<li><a href="/{lang}/topics/">{lab["topics"]}</a></li>
<li><a href="/{lang}/about/">{lab["about"]}</a></li>
<li><a href="/{lang}/contact/">{lab["contact"]}</a></li>
<li><a href="/{lang}/search/">{lab["search"]}</a></li>
</ul>
</nav>
</header>
<nav class="breadcrumbs" aria-label="Breadcrumb">
<ol>
<li><a href="/{lang}/">{lab["home"]}</a></li>
<li><a href="/{lang}/good-practices/">{lab["breadcrumb_gp"]}</a></li>
<li><a href="/{lang}/projects/upgradesme/">UpGradeSME</a></li>
<li aria-current="page">{esc(gp["title"])}</li>
</ol>
</nav>
<div class="wrap">
<article class="good-practice" id="gp-{esc(gp["slug"])}">
<p class="notice"><strong>{ILLUSTRATIVE[lang]}</strong></p>
<h1>{esc(gp["title"])}</h1>
<p class="meta">{lab["published"]}: <time datetime="{published}">{published}</time> · {lab["project"]}: UpGradeSME</p>
<section class="gp-summary">
<h2>{lab["summary"]}</h2>
{paragraphs(gp["summary_long"])}
</section>
{chr(10).join(sections)}
<section class="gp-facts">
<h2>{lab["facts"]}</h2>
<dl class="facts">
<dt>{lab["institution"]}</dt><dd>{esc(gp["institution"])}</dd>
<dt>{lab["location"]}</dt><dd>{esc(region_name)} ({gp["region"]}), {esc(gp["country_name"])}</dd>
<dt>{lab["timescale"]}</dt><dd>{timescale}</dd>
<dt>{lab["topic"]}</dt><dd>{esc(topics)}</dd>
<dt>{lab["keywords"]}</dt><dd>{esc(keywords)}</dd>
<dt>{lab["project"]}</dt><dd><a href="/{lang}/projects/upgradesme/">UpGradeSME</a></dd>
{covid_row}
</dl>
</section>
</article>
<aside class="sidebar">
<h2>{lab["related"]}</h2>
<ul>{related_html}</ul>
<h2>{lab["more"]}</h2>
<ul>
<li><a href="/{lang}/projects/upgradesme/">UpGradeSME</a></li>
<li><a href="/{lang}/topics/sme-competitiveness/">SME competitiveness</a></li>
<li><a href="/{lang}/topics/covid-19/">COVID-19</a></li>
</ul>
</aside>
</div>
<footer class="site">
<p>{lab["footer_about"]}</p>
<ul>
<li><a href="/{lang}/privacy/">{lab["privacy"]}</a></li>
<li><a href="/{lang}/legal/">{lab["legal"]}</a></li>
<li><a href="/{lang}/accessibility/">{lab["access"]}</a></li>
<li><a href="/{lang}/sitemap/">{lab["sitemap"]}</a></li>
<li><a href="/{lang}/newsletter/">{lab["newsletter"]}</a></li>
</ul>
<address>{lab["contact"]}: <a href="mailto:library@example.org">library@example.org</a></address>
</footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- project web pages

SITE = {
    "project": {
        "name": "UpGradeSME – sample project site",
        "nav": ["Home", "Project", "Partners", "Events", "News", "Library", "Contact"],
        "cookie": "We use a session cookie so the site works. Read our cookie notice.",
        "accept": "OK",
        "footer": "Sample project website written as test material; not the official "
        "UpGradeSME website.",
    },
    "newsroom": {
        "name": "Regional newsroom (sample)",
        "nav": ["Start", "News", "Agenda", "Media", "Contact"],
        "cookie": "Cookies: only what the site needs to work.",
        "accept": "OK",
        "footer": "Sample newsroom page written as test material.",
    },
}

NEWSROOM_I18N = {
    "nl": {"nav": ["Home", "Nieuws", "Agenda", "Pers", "Contact"],
           "cookie": "Deze site gebruikt alleen functionele cookies.", "accept": "Akkoord",
           "footer": "Voorbeeldpagina, geschreven als testmateriaal.", "news": "Nieuws",
           "related": "Meer nieuws", "name": "Nieuwskamer (voorbeeld)"},
    "es": {"nav": ["Inicio", "Noticias", "Agenda", "Prensa", "Contacto"],
           "cookie": "Este sitio solo usa cookies técnicas.", "accept": "Aceptar",
           "footer": "Página de ejemplo redactada como material de prueba.",
           "news": "Noticias", "related": "Más noticias", "name": "Sala de prensa (ejemplo)"},
    "hu": {"nav": ["Kezdőlap", "Hírek", "Események", "Sajtó", "Kapcsolat"],
           "cookie": "Az oldal csak a működéshez szükséges sütiket használ.",
           "accept": "Rendben", "footer": "Tesztanyagként írt mintaoldal.", "news": "Hírek",
           "related": "További hírek", "name": "Hírszoba (minta)"},
    "en": {"nav": SITE["newsroom"]["nav"], "cookie": SITE["newsroom"]["cookie"],
           "accept": "OK", "footer": SITE["newsroom"]["footer"], "news": "News",
           "related": "More news", "name": SITE["newsroom"]["name"]},
}


def render_web_page(page: dict) -> str:
    lang = page["language"]
    kind = page["site"]
    if kind == "newsroom":
        t = NEWSROOM_I18N[lang]
        name, nav, cookie, accept, footer = (t["name"], t["nav"], t["cookie"], t["accept"],
                                             t["footer"])
        section, related_label = t["news"], t["related"]
    else:
        s = SITE["project"]
        name, nav, cookie, accept, footer = (s["name"], s["nav"], s["cookie"], s["accept"],
                                             s["footer"])
        section, related_label = "Events", "Related"
    nav_html = "".join(f'<li><a href="/{lang}/{esc(n.lower())}/">{esc(n)}</a></li>' for n in nav)
    related_html = "".join(
        f'<li><a href="{esc(r["href"])}">{esc(r["text"])}</a></li>' for r in page.get("related", [])
    )
    notice = (f'<p class="notice"><strong>{esc(page["notice"])}</strong></p>'
              if page.get("notice") else "")
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(page["title"])} – {esc(name)}</title>
<meta name="description" content="{esc(page["summary"])}">
<meta name="keywords" content="{esc(", ".join(page["keywords"]))}">
<meta name="author" content="{esc(page.get("author", "Sample page for a test corpus"))}">
<meta property="og:type" content="article">
{published_meta(page.get("date"), "10:00:00")}<style>{CSS}</style>
</head>
<body>
<div class="cookie" role="dialog" aria-label="Cookies"><p>{esc(cookie)} <button type="button">{esc(accept)}</button></p></div>
<header class="site">
<a class="logo" href="/{lang}/">{esc(name)}</a>
<nav class="main" aria-label="Main"><ul>{nav_html}</ul></nav>
</header>
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>
<li><a href="/{lang}/">{esc(nav[0])}</a></li>
<li><a href="/{lang}/{esc(section.lower())}/">{esc(section)}</a></li>
<li aria-current="page">{esc(page["title"])}</li>
</ol></nav>
<div class="wrap">
<article>
{notice}
<h1>{esc(page["title"])}</h1>
{time_line(page)}{page["body"].strip()}
</article>
<aside class="sidebar">
<h2>{esc(related_label)}</h2>
<ul>{related_html}</ul>
</aside>
</div>
<footer class="site">
<p>{esc(footer)}</p>
<ul><li><a href="/{lang}/privacy/">Privacy</a></li><li><a href="/{lang}/imprint/">Imprint</a></li><li><a href="/{lang}/sitemap/">Sitemap</a></li></ul>
<address><a href="mailto:press@example.org">press@example.org</a></address>
</footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- dates
# A source's date says what is known: "2017-04-03", "2016-05" (month only), "2022" (year only),
# or nothing (the date is not known). The outputs never add a day or a month that the source
# does not give: a partial date is written as it is, a missing one is left out.


def is_full_date(date: str | None) -> bool:
    return bool(date) and len(str(date)) == 10


def published_meta(date: str | None, time: str) -> str:
    """The article:published_time line of a web page ("" without a date)."""
    if not date:
        return ""
    when = f"{date}T{time}+00:00" if is_full_date(date) else str(date)
    return f'<meta property="article:published_time" content="{when}">\n'


def time_line(page: dict) -> str:
    """The dateline of an event or news page ("" without a date)."""
    date = page.get("date")
    if not date:
        return ""
    return (f'<p class="meta"><time datetime="{date}">'
            f'{esc(page.get("date_label", date))}</time></p>\n')


# --------------------------------------------------------------------------- Word documents

#: The ZIP members' timestamp of a document without a full date: the earliest a ZIP can say.
NO_DATE_STAMP = (1980, 1, 1, 0, 0, 0)


def fixed_datetime(date: str) -> datetime:
    return datetime.strptime(date, "%Y-%m-%d").replace(hour=9, tzinfo=UTC)


def set_dates(props, date: str | None) -> None:  # type: ignore[no-untyped-def]
    """Core properties created/modified: the full date at 09:00; a partial date as the W3CDTF
    text it is ("2018-04"); without a date, none (python-docx's template has 2013-12-23)."""
    if is_full_date(date):
        when = fixed_datetime(str(date))
        props.created = when
        props.modified = when
        props.last_printed = when
        return
    core = props._element
    core._remove_created()
    core._remove_modified()
    if date:
        year, _, month = str(date).partition("-")
        props.created = datetime(int(year), int(month or 1), 1, tzinfo=UTC)
        props.modified = props.created
        core.created.text = str(date)
        core.modified.text = str(date)


def date_stamp(date: str) -> tuple[int, int, int, int, int, int]:
    when = fixed_datetime(date)
    return (when.year, when.month, when.day, 9, 0, 0)


def clip(text: str, limit: int = 255) -> str:
    """Core properties are limited to 255 characters; cut at a word boundary."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def render_docx(doc_src: dict) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    props = doc.core_properties
    date = doc_src.get("date")
    props.title = clip(doc_src["title"])
    props.author = doc_src["author"]
    props.subject = clip(doc_src["subject"])
    props.keywords = clip(", ".join(doc_src["keywords"]))
    props.comments = clip(" ".join(doc_src["summary"].split()))
    props.language = doc_src["language"]
    props.category = doc_src["type"]
    set_dates(props, date)
    props.last_modified_by = doc_src["author"]
    props.revision = 1
    doc.add_paragraph(doc_src["title"], style="Title")
    for block in doc_src["blocks"]:
        kind, value = next(iter(block.items()))
        if kind == "h1":
            doc.add_heading(value, level=1)
        elif kind == "h2":
            doc.add_heading(value, level=2)
        elif kind == "p":
            doc.add_paragraph(" ".join(str(value).split()))
        elif kind == "note":
            para = doc.add_paragraph()
            run = para.add_run(" ".join(str(value).split()))
            run.bold = True
        elif kind == "bullets":
            for item in value:
                doc.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            rows = value
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = str(cell)
                    if r == 0:
                        for run in table.cell(r, c).paragraphs[0].runs:
                            run.bold = True
        else:
            raise ValueError(f"unknown block {kind!r} in {doc_src['path']}")
    raw = io.BytesIO()
    doc.save(raw)
    # rewrite the ZIP with fixed member timestamps so the output is byte-identical on reruns
    stamp = (date_stamp(date) if is_full_date(date) else NO_DATE_STAMP)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, zin.read(item.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- catalog

CATALOG_KEYS = ("path", "title", "type", "language", "country", "region", "themes", "date",
                "partner", "policy_instrument", "summary")


def catalog_entry(src: dict) -> dict:
    entry = {}
    for key in CATALOG_KEYS:
        value = src.get(key)
        if value in (None, ""):
            continue
        entry[key] = str(value) if key == "date" else value
    return entry


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path}: no YAML front matter")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end])


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def main() -> None:
    entries: list[dict] = []

    gps = yaml.safe_load((SOURCES / "good_practices.yaml").read_text(encoding="utf-8"))
    for gp in gps:
        gp["path"] = f"good-practices/{gp['slug']}.html"
        gp["type"] = "good_practice"
        write(CORPUS / gp["path"], render_good_practice(gp, gps))
        entries.append(catalog_entry(gp))

    pages = yaml.safe_load((SOURCES / "web_pages.yaml").read_text(encoding="utf-8"))
    for page in pages:
        write(CORPUS / page["path"], render_web_page(page))
        entries.append(catalog_entry(page))

    docs = yaml.safe_load((SOURCES / "docx_docs.yaml").read_text(encoding="utf-8"))
    for doc_src in docs:
        write(CORPUS / doc_src["path"], render_docx(doc_src))
        entries.append(catalog_entry(doc_src))

    for folder in ("events", "news"):
        for md in sorted((CORPUS / folder).glob("*.md")):
            fm = front_matter(md)
            fm["path"] = f"{folder}/{md.name}"
            entries.append(catalog_entry(fm))

    entries.sort(key=lambda e: e["path"])
    header = ("# Catalog of corpus B (good practices, events, news).\n"
              "# Generated by corpus/_build/render_web_docs.py - edit the sources, not this file.\n")
    write(CATALOG, header + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False,
                                           width=100))
    print(f"wrote {len(entries)} catalog entries to {CATALOG.relative_to(CORPUS)}")


if __name__ == "__main__":
    main()
