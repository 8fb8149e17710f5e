"""ingest.dates: one set of date rules for the catalog, file metadata, the admin's form and
the label readers see (a rule changed in one place changes for all of them)."""

from __future__ import annotations

import datetime
import re

import pytest
from starlette.datastructures import FormData

from ingest import (
    DATE_INPUT_PATTERN,
    DATE_PATTERN,
    Taxonomy,
    date_label,
    date_problem,
    normalise_date,
)
from ingest.dates import file_date
from search_app.admin.forms import read_form

#: (spelling, as stored): every source reads these alike
SPELLINGS = [
    ("2019-06-28", "2019-06-28"), ("2019-06-28T10:00:00+02:00", "2019-06-28"),
    (" 2019-06-28 ", "2019-06-28"), ("2019-6-1", "2019-06-01"), ("2019-06", "2019-06"),
    ("2019", "2019"), (2019, "2019"), ("28.06.2019", "2019-06-28"), ("28/06/2019", "2019-06-28"),
    (datetime.date(2019, 6, 28), "2019-06-28"), (datetime.datetime(2019, 6, 28, 10), "2019-06-28"),
    ("2019-06-28 10:00:00 +0200", "2019-06-28"), ("2019-06-28T10:00:00.5Z", "2019-06-28"),
]
NOT_DATES = ["last spring", "", None, True, "20190628", "2019abc", "1066", "1899",
             "2019 abc", "2019 06 28", "2019-06-28 draft", "2019-06-28T",
             "\u0662\u0660\u0661\u0669"]  # Arabic-Indic digits: not a date here


@pytest.mark.parametrize("value,stored", SPELLINGS)
def test_the_catalog_and_file_metadata_read_the_same_spellings(value, stored):
    assert normalise_date(value) == file_date(value) == stored


@pytest.mark.parametrize("value", NOT_DATES)
def test_what_is_not_a_date_is_refused_by_every_reader(value):
    assert normalise_date(value) is None and file_date(value) is None


@pytest.mark.parametrize("value,explicit,from_file", [
    ("2019-02-30", None, "2019-02"), ("2019-13", None, "2019"), ("2019-00", None, "2019"),
    ("31.02.2019", None, "2019-02"), ("2099", "2099", None),
    # a time that is none (the admin form saved "2021-06-15T25:99" as 2021-06-15, silently)
    ("2021-06-15T25:99", None, "2021-06-15"), ("2021-06-15 10:61", None, "2021-06-15"),
])
def test_an_impossible_part_is_refused_in_explicit_dates_and_dropped_from_a_files(
        value, explicit, from_file):
    assert (normalise_date(value), file_date(value)) == (explicit, from_file)


@pytest.mark.parametrize("stored,label", [
    ("2017-04-03", "3 April 2017"), ("2016-05", "May 2016"), ("2022", "2022"), (None, None),
])
def test_a_stored_date_is_labelled_with_the_parts_it_has(stored, label):
    assert date_label(stored) == label


def test_the_admin_form_takes_exactly_the_dates_as_stored():
    def form_error(text: str) -> str | None:
        return read_form(FormData({"date": text}), Taxonomy()).errors.get("date")

    for _, stored in SPELLINGS:
        assert form_error(stored) is None and date_problem(stored) is None
        assert date_label(stored)
        assert re.fullmatch(DATE_PATTERN, stored)


@pytest.mark.parametrize("value,stored", [(v, s) for v, s in SPELLINGS if isinstance(v, str)])
def test_the_admin_form_takes_what_ingest_takes_and_stores_it_normalised(value, stored):
    form = read_form(FormData({"date": value}), Taxonomy())
    assert "date" not in form.errors and form.values["date"] == stored
    # the form input's pattern (tests/test_admin.py: the page carries it) lets it through
    assert re.fullmatch(DATE_INPUT_PATTERN, value), value


@pytest.mark.parametrize("text,problem", [
    ("1850", "the year must be from 1900 to 2100"), ("28.06.1850", "the year must be from 1900"),
    ("2019-02-30", "no such day or month"), ("2019-13", "no such day or month"),
    ("last spring", "write the date as YYYY, YYYY-MM or YYYY-MM-DD"),
    ("20190628", "write the date as"), ("2021-06-15T25:99", "no such time of day"),
])
def test_the_admin_form_says_why_a_date_is_refused(text, problem):
    error = read_form(FormData({"date": text}), Taxonomy()).errors.get("date")
    assert error == date_problem(text) and error is not None and error.startswith(problem), error
    assert normalise_date(text) is None
