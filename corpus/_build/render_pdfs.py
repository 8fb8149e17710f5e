#!/usr/bin/env python3
"""Render the illustrative UpGradeSME sample PDFs (corpus A) from their sources.

Sources live in corpus/_build/sources/a/*.md: a YAML front matter (metadata and
catalog fields) followed by a small Markdown-like body:

    # Heading 1              (## Heading 2, ### Heading 3)
    plain lines              paragraph (consecutive lines are joined)
    - item                   bullet list (1. item: numbered list)
    Table: caption           caption of the table that follows
    | a | b |                table; the first row is the header row
    Key:: value              key/value block (consecutive lines form one box)
    > text                   shaded call-out box
    \\newpage                page break

Inline **bold** and __italic__ are supported (fpdf2 markdown).

Usage (from the repository root):

    .venv/bin/python corpus/_build/render_pdfs.py            # render everything
    .venv/bin/python corpus/_build/render_pdfs.py covid      # only sources named *covid*

Every page carries the notice that the document is an illustrative sample.
Renders are reproducible: the PDF creation date is the document date and the
file identifier is fpdf2's hash of the (deterministic) output.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import yaml
from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
SOURCES = HERE / "sources" / "a"
CATALOG = HERE / "catalog" / "a.yaml"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

NOTICE = "Illustrative sample document – not an official UpGradeSME record"
PROJECT = "UpGradeSME – Improving policy instruments supporting innovative SME performance"

BLUE = (0, 61, 125)
LIGHT = (230, 238, 247)
GREY = (90, 90, 90)

# Labels of the title page and running elements, per document language.
LABELS = {
    "en": dict(
        partner="Prepared by",
        region="Region",
        date="Date",
        doctype="Document type",
        instrument="Policy instrument",
        contents="Contents",
        page="Page",
        table="Table",
        notice_long=(
            "This document is part of an illustrative sample corpus built on public facts "
            "about the Interreg Europe project UpGradeSME. It is not an official project "
            "record. Names of people, figures, budgets, indicator targets and examples that "
            "are not documented in public sources are invented for illustration and are "
            "marked as such."
        ),
    ),
    "de": dict(
        partner="Erstellt von",
        region="Region",
        date="Datum",
        doctype="Dokumenttyp",
        instrument="Förderinstrument",
        contents="Inhalt",
        page="Seite",
        table="Tabelle",
        notice_long=(
            "Dieses Dokument gehört zu einem illustrativen Beispielkorpus, das auf "
            "öffentlich zugänglichen Angaben über das Interreg-Europe-Projekt UpGradeSME "
            "beruht. Es ist kein offizielles Projektdokument. Zahlen, Budgets, Zielwerte "
            "und Beispiele, die nicht öffentlich belegt sind, wurden zur Veranschaulichung "
            "erfunden und sind als solche gekennzeichnet."
        ),
    ),
    "es": dict(
        partner="Elaborado por",
        region="Región",
        date="Fecha",
        doctype="Tipo de documento",
        instrument="Instrumento de política",
        contents="Índice",
        page="Página",
        table="Cuadro",
        notice_long=(
            "Este documento forma parte de un corpus de ejemplo ilustrativo, construido a "
            "partir de información pública sobre el proyecto Interreg Europe UpGradeSME. "
            "No es un documento oficial del proyecto. Las cifras, presupuestos, metas de "
            "indicadores y ejemplos que no constan en fuentes públicas son inventados con "
            "fines ilustrativos y se señalan como tales."
        ),
    ),
    "pt": dict(
        partner="Elaborado por",
        region="Região",
        date="Data",
        doctype="Tipo de documento",
        instrument="Instrumento de política",
        contents="Índice",
        page="Página",
        table="Quadro",
        notice_long=(
            "Este documento integra um corpus de exemplo ilustrativo, construído a partir "
            "de informação pública sobre o projeto Interreg Europe UpGradeSME. Não é um "
            "documento oficial do projeto. O nome da entidade parceira da região Norte não "
            "é conhecido; valores, orçamentos, metas e exemplos não documentados "
            "publicamente foram inventados para fins de ilustração e estão assinalados."
        ),
    ),
    "hu": dict(
        partner="Készítette",
        region="Régió",
        date="Dátum",
        doctype="Dokumentumtípus",
        instrument="Szakpolitikai eszköz",
        contents="Tartalom",
        page="Oldal",
        table="táblázat",
        notice_long=(
            "Ez a dokumentum egy szemléltető mintakorpusz része, amely az UpGradeSME "
            "Interreg Europe projektről nyilvánosan elérhető tényekre épül. Nem hivatalos "
            "projektdokumentum. A nyilvános forrásokban nem szereplő számadatok, "
            "költségvetések, célértékek és példák szemléltető jellegűek, és ezt jelöljük."
        ),
    ),
}

DOCTYPE_LABELS = {
    "action_plan": {
        "en": "Regional action plan",
        "de": "Regionaler Aktionsplan",
        "es": "Plan de acción regional",
        "pt": "Plano de ação regional",
        "hu": "Regionális akcióterv",
    },
    "policy_analysis": {
        "en": "Policy-instrument analysis",
        "de": "Analyse des Förderinstruments",
        "es": "Análisis del instrumento de política",
        "pt": "Análise do instrumento de política",
        "hu": "Szakpolitikai eszköz elemzése",
    },
    "report": {
        "en": "Report",
        "de": "Bericht",
        "es": "Informe",
        "pt": "Relatório",
        "hu": "Jelentés",
    },
}

CATALOG_KEYS = [
    "path",
    "title",
    "type",
    "language",
    "country",
    "region",
    "themes",
    "date",
    "partner",
    "policy_instrument",
    "summary",
]


def load_source(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    if not m:
        raise ValueError(f"{path}: missing YAML front matter")
    meta = yaml.safe_load(m.group(1))
    return meta, m.group(2)


def parse_body(body: str) -> list[tuple]:
    """Turn the Markdown-like body into a list of blocks."""
    blocks: list[tuple] = []
    lines = body.splitlines()
    i = 0
    caption = None
    while i < len(lines):
        line = lines[i].rstrip()
        s = line.strip()
        if not s:
            i += 1
            continue
        if s == r"\newpage":
            blocks.append(("newpage",))
            i += 1
        elif s.startswith("#"):
            level = len(s) - len(s.lstrip("#"))
            blocks.append(("h", level, s[level:].strip()))
            i += 1
        elif re.match(r"^(Table|Tabelle|Cuadro|Quadro|Táblázat):", s):
            caption = s.split(":", 1)[1].strip()
            i += 1
        elif s.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            blocks.append(("table", caption, rows))
            caption = None
        elif re.match(r"^[^|>#-][^:]{0,60}::\s", s):
            pairs = []
            while i < len(lines) and re.match(r"^[^|>#-][^:]{0,60}::\s", lines[i].strip()):
                k, v = lines[i].strip().split("::", 1)
                i += 1
                while i < len(lines) and lines[i].startswith("    ") and lines[i].strip():
                    v += " " + lines[i].strip()
                    i += 1
                pairs.append((k.strip(), v.strip()))
            blocks.append(("kv", pairs))
        elif s.startswith(">"):
            parts = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                parts.append(lines[i].strip()[1:].strip())
                i += 1
            blocks.append(("box", " ".join(parts)))
        elif re.match(r"^(- |\d+\. )", s):
            numbered = bool(re.match(r"^\d+\. ", s))
            items = []
            while i < len(lines) and (
                re.match(r"^(- |\d+\. )", lines[i].strip())
                or (items and lines[i].startswith("  ") and lines[i].strip())
            ):
                ls = lines[i].strip()
                if re.match(r"^(- |\d+\. )", ls) and not lines[i].startswith("  "):
                    items.append(re.sub(r"^(- |\d+\. )", "", ls))
                else:
                    items[-1] += " " + ls
                i += 1
            blocks.append(("list", numbered, items))
        else:
            parts = []
            while (
                i < len(lines)
                and lines[i].strip()
                and not re.match(
                    r"^(#|\||- |\d+\. |>|(Table|Tabelle|Cuadro|Quadro|Táblázat):|\\newpage)",
                    lines[i].strip(),
                )
                and "::" not in lines[i]
            ):
                parts.append(lines[i].strip())
                i += 1
            if not parts:  # a line the rules above did not take: keep it as text
                parts.append(s)
                i += 1
            blocks.append(("p", " ".join(parts)))
    return blocks


class Report(FPDF):
    def __init__(self, meta: dict):
        super().__init__(format="A4", unit="mm")
        self.meta = meta
        self.lang = meta.get("language", "en")
        self.lab = LABELS.get(self.lang, LABELS["en"])
        for fam, base in (("sans", "DejaVuSans"), ("serif", "DejaVuSerif")):
            ital = "Oblique" if fam == "sans" else "Italic"
            self.add_font(fam, "", FONT_DIR / f"{base}.ttf")
            self.add_font(fam, "B", FONT_DIR / f"{base}-Bold.ttf")
            self.add_font(fam, "I", FONT_DIR / f"{base}-{ital}.ttf")
            self.add_font(fam, "BI", FONT_DIR / f"{base}-Bold{ital}.ttf")
        self.set_margins(22, 24, 22)
        self.set_auto_page_break(True, margin=22)
        self.set_text_shaping(False)
        self.fig_no = 0

    # running header and footer -------------------------------------------------
    def header(self):
        if self.page_no() == 1:
            return
        self.set_font("sans", "", 7.5)
        self.set_text_color(*GREY)
        self.set_xy(self.l_margin, 10)
        self.cell(0, 4, "UpGradeSME · Interreg Europe")
        self.set_xy(self.l_margin, 10)
        self.cell(0, 4, self.meta.get("short_title", self.meta["title"])[:90], align="R")
        self.set_draw_color(*BLUE)
        self.set_line_width(0.3)
        self.line(self.l_margin, 15, self.w - self.r_margin, 15)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self):
        self.set_y(-15)
        self.set_draw_color(180, 180, 180)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.h - 16.5, self.w - self.r_margin, self.h - 16.5)
        self.set_font("sans", "I", 7)
        self.set_text_color(150, 30, 30)
        self.cell(0, 4, NOTICE)
        self.set_font("sans", "", 7.5)
        self.set_text_color(*GREY)
        self.set_x(self.l_margin)
        self.cell(0, 4, f"{self.lab['page']} {self.page_no()} / {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # title page ---------------------------------------------------------------
    def title_page(self):
        m = self.meta
        self.add_page()
        self.set_fill_color(*BLUE)
        self.rect(0, 0, self.w, 62, style="F")
        self.set_text_color(255, 255, 255)
        self.set_xy(self.l_margin, 16)
        self.set_font("sans", "B", 11)
        self.cell(
            0,
            6,
            "Interreg Europe · European Regional Development Fund",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.set_font("sans", "B", 30)
        self.cell(0, 16, "UpGradeSME", new_x="LMARGIN", new_y="NEXT")
        self.set_font("sans", "", 9.5)
        self.multi_cell(0, 5, PROJECT, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_y(84)
        self.set_font("sans", "B", 22)
        self.set_text_color(*BLUE)
        self.multi_cell(0, 10, m["title"], align="L", new_x="LMARGIN", new_y="NEXT")
        if m.get("subtitle"):
            self.ln(2)
            self.set_font("sans", "", 13)
            self.set_text_color(*GREY)
            self.multi_cell(0, 7, m["subtitle"], align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(12)
        date = dt.date.fromisoformat(str(m["date"]))
        rows = [
            (
                self.lab["partner"],
                m["partner_display"] if m.get("partner_display") else m["partner"],
            ),
            (self.lab["region"], m["region_label"]),
            (self.lab["instrument"], m["policy_instrument"]),
            (self.lab["doctype"], DOCTYPE_LABELS.get(m["type"], {}).get(self.lang, m["type"])),
            (self.lab["date"], date.isoformat()),
        ]
        if m.get("version"):
            rows.append(("Version", m["version"]))
        self.set_font("sans", "", 10)
        self.set_fill_color(255, 255, 255)
        self.set_draw_color(*BLUE)
        with self.table(
            col_widths=(45, 121),
            first_row_as_headings=False,
            line_height=6.5,
            borders_layout="HORIZONTAL_LINES",
            text_align=("LEFT", "LEFT"),
        ) as t:
            for k, v in rows:
                r = t.row()
                self.set_font("sans", "B", 10)
                r.cell(k)
                self.set_font("sans", "", 10)
                r.cell(str(v))
        # notice box at the bottom of the title page
        self.set_y(self.h - 62)
        self.set_fill_color(252, 240, 236)
        self.set_draw_color(150, 30, 30)
        self.set_font("sans", "B", 9)
        self.set_text_color(150, 30, 30)
        self.multi_cell(
            0,
            6,
            NOTICE,
            border="LTR",
            fill=True,
            padding=(2, 3, 0, 3),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.set_font("sans", "", 8.5)
        self.set_text_color(60, 60, 60)
        self.multi_cell(
            0,
            4.4,
            self.lab["notice_long"],
            border="LBR",
            fill=True,
            padding=(1, 3, 3, 3),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.set_text_color(0, 0, 0)

    # body ----------------------------------------------------------------------
    def heading(self, level: int, text: str, chapter_breaks: bool):
        if level == 1:
            if chapter_breaks and self.page_no() > 0 and self.get_y() > self.t_margin + 1:
                self.add_page()
            elif self.get_y() > self.h - 70:
                self.add_page()
            else:
                self.ln(5)
            self.start_section(text, level=0)
            self.set_font("sans", "B", 16)
            self.set_text_color(*BLUE)
            self.multi_cell(0, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(*BLUE)
            self.set_line_width(0.6)
            self.line(self.l_margin, self.get_y() + 1, self.l_margin + 30, self.get_y() + 1)
            self.ln(5)
        elif level == 2:
            if self.get_y() > self.h - 55:
                self.add_page()
            self.ln(3)
            self.start_section(text, level=1)
            self.set_font("sans", "B", 12.5)
            self.set_text_color(*BLUE)
            self.multi_cell(0, 6.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
            self.ln(1.5)
        else:
            if self.get_y() > self.h - 45:
                self.add_page()
            self.ln(1.5)
            self.set_font("sans", "B", 10.5)
            self.set_text_color(40, 40, 40)
            self.multi_cell(0, 5.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
            self.ln(0.5)
        self.set_text_color(0, 0, 0)

    def para(self, text: str):
        self.set_font("serif", "", 10.5)
        self.multi_cell(0, 5.6, text, align="J", markdown=True, new_x="LMARGIN", new_y="NEXT")
        self.ln(2.6)

    def bullets(self, numbered: bool, items: list[str]):
        self.set_font("serif", "", 10.5)
        for n, item in enumerate(items, 1):
            mark = f"{n}." if numbered else "•"
            self.set_x(self.l_margin + 3)
            self.cell(6, 5.6, mark)
            self.multi_cell(0, 5.6, item, align="L", markdown=True, new_x="LMARGIN", new_y="NEXT")
            self.ln(1)
        self.ln(1.8)

    def box(self, text: str):
        self.set_fill_color(*LIGHT)
        self.set_draw_color(*BLUE)
        self.set_font("sans", "", 9.5)
        self.multi_cell(
            0,
            5.2,
            text,
            align="L",
            fill=True,
            border="L",
            markdown=True,
            padding=(3, 4, 3, 4),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.ln(4)

    def kv(self, pairs):
        self.set_font("sans", "", 9.5)
        self.set_draw_color(170, 185, 205)
        self.set_fill_color(*LIGHT)
        with self.table(
            col_widths=(38, 128),
            first_row_as_headings=False,
            line_height=5.2,
            text_align=("LEFT", "LEFT"),
            markdown=True,
            padding=1.6,
            borders_layout="HORIZONTAL_LINES",
            cell_fill_color=LIGHT,
            cell_fill_mode="COLUMNS",
        ) as t:
            for k, v in pairs:
                r = t.row()
                r.cell(f"**{k}**")
                r.cell(v)
        self.ln(4)

    def table_block(self, caption, rows):
        if not rows:
            return
        ncol = len(rows[0])
        rows = [r + [""] * (ncol - len(r)) if len(r) < ncol else r[:ncol] for r in rows]
        width = self.w - self.l_margin - self.r_margin
        lens = [max(min(len(r[c]), 60) for r in rows) + 4 for c in range(ncol)]
        total = sum(lens)
        widths = [max(width * x / total, 16) for x in lens]
        scale = width / sum(widths)
        widths = [w * scale for w in widths]
        if self.get_y() > self.h - 60:
            self.add_page()
        if caption:
            self.fig_no += 1
            self.set_font("sans", "B", 9)
            self.set_text_color(*BLUE)
            label = self.lab["table"]
            text = (
                f"{self.fig_no}. {label}: {caption}"
                if self.lang == "hu"
                else f"{label} {self.fig_no}. {caption}"
            )
            self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
            self.ln(1)
        self.set_font("sans", "", 8.8)
        self.set_draw_color(170, 185, 205)
        heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BLUE)
        with self.table(
            col_widths=widths,
            line_height=4.8,
            headings_style=heading,
            text_align="LEFT",
            markdown=True,
            padding=1.4,
            cell_fill_color=(243, 246, 250),
            cell_fill_mode="ROWS",
            repeat_headings=1,
        ) as t:
            for r in rows:
                row = t.row()
                for c in r:
                    row.cell(c)
        self.ln(5)


def render_toc(pdf: Report, outline):
    pdf.set_xy(pdf.l_margin, pdf.t_margin)
    pdf.set_font("sans", "B", 16)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 10, pdf.lab["contents"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(0, 0, 0)
    for sec in outline:
        if sec.level > 1:
            continue
        indent = 8 * sec.level
        pdf.set_font("sans", "B" if sec.level == 0 else "", 10 if sec.level == 0 else 9.5)
        pdf.set_x(pdf.l_margin + indent)
        w = pdf.w - pdf.l_margin - pdf.r_margin - indent - 14
        name = sec.name if pdf.get_string_width(sec.name) < w else sec.name[:70] + "…"
        pdf.cell(w, 6.2 if sec.level == 0 else 5.4, name, link=pdf.add_link(page=sec.page_number))
        pdf.cell(
            14,
            6.2 if sec.level == 0 else 5.4,
            str(sec.page_number),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )


def render(src: Path) -> dict:
    meta, body = load_source(src)
    pdf = Report(meta)
    date = dt.date.fromisoformat(str(meta["date"]))
    pdf.set_creation_date(
        dt.datetime(date.year, date.month, date.day, 12, 0, 0, tzinfo=dt.UTC)
    )
    pdf.set_title(meta["title"])
    pdf.set_author(meta["partner"])
    pdf.set_subject(meta["summary"])
    kws = list(meta.get("keywords", [])) + ["UpGradeSME", "Interreg Europe"]
    pdf.set_keywords(", ".join(kws))
    pdf.set_creator("UpGradeSME sample corpus – corpus/_build/render_pdfs.py (illustrative)")
    pdf.set_producer("fpdf2")
    pdf.set_lang(meta.get("language", "en"))
    pdf.alias_nb_pages()

    pdf.title_page()
    blocks = parse_body(body)
    if meta.get("toc", True):
        pdf.add_page()
        n_heads = sum(1 for b in blocks if b[0] == "h" and b[1] <= 2)
        pdf.insert_toc_placeholder(render_toc, pages=1 + n_heads // 36, allow_extra_pages=True)
    else:
        pdf.add_page()
    chapter_breaks = meta.get("chapter_breaks", False)
    first = True
    for b in blocks:
        kind = b[0]
        if kind == "h":
            pdf.heading(b[1], b[2], chapter_breaks and not first)
            first = False
        elif kind == "p":
            pdf.para(b[1])
        elif kind == "list":
            pdf.bullets(b[1], b[2])
        elif kind == "table":
            pdf.table_block(b[1], b[2])
        elif kind == "kv":
            pdf.kv(b[1])
        elif kind == "box":
            pdf.box(b[1])
        elif kind == "newpage":
            pdf.add_page()
    out = CORPUS / meta["output"]
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    entry = {
        "path": meta["output"],
        "title": meta["title"],
        "type": meta["type"],
        "language": meta["language"],
        "country": meta["country"],
        "region": meta["region"],
        "themes": list(meta["themes"]),
        "date": date.isoformat(),
        "partner": meta["partner"],
        "policy_instrument": meta["policy_instrument"],
        "summary": " ".join(str(meta["summary"]).split()),
    }
    print(f"{meta['output']}: {pdf.pages_count} pages ({meta['language']})")
    return entry


def main(argv: list[str]) -> int:
    flt = argv[1] if len(argv) > 1 else ""
    sources = sorted(SOURCES.glob("*.md"))
    entries = []
    for src in sources:
        if flt and flt not in src.name:
            continue
        entries.append(render(src))
    if not flt:
        CATALOG.parent.mkdir(parents=True, exist_ok=True)
        with CATALOG.open("w", encoding="utf-8") as f:
            f.write(
                "# Catalog entries for corpus A (PDF sample documents).\n"
                "# Generated by corpus/_build/render_pdfs.py from corpus/_build/sources/a/.\n"
            )
            yaml.safe_dump(
                [{k: e[k] for k in CATALOG_KEYS} for e in entries],
                f,
                allow_unicode=True,
                sort_keys=False,
                width=100,
            )
        print(f"wrote {CATALOG.relative_to(CORPUS.parent)} ({len(entries)} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
