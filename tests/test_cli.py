"""The kb command through click's runner, with the output in the assertion messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app.app import create_app
from search_app.cli import main
from search_app.settings import SettingsError, load_settings


@pytest.fixture()
def corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "news").mkdir(parents=True)
    (root / "news" / "vouchers.md").write_text(
        "---\ntitle: Export vouchers in Spain\ndate: 2019-05-01\n---\n\n"
        "Export vouchers pay consultants who write a first export plan for small firms.\n"
    )
    (root / "news" / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    return root


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result, f"exit {result.exit_code}\n{result.output}"


def test_ingest_search_stats(corpus, tmp_path):
    index = str(tmp_path / "index")
    result, out = run("ingest", str(corpus), "--index", index, "--quiet")
    assert result.exit_code == 0, out
    assert "1 added" in out and "1 failed" in out and "broken.pdf: broken PDF" in out, out

    result, out = run("ingest", str(corpus), "--index", index, "--json")
    report = json.loads(result.output)
    assert report["unchanged"] == 1 and report["failed"][0]["retried"] is False, out

    result, out = run("search", "export vouchers", "--index", index)
    assert result.exit_code == 0 and "Export vouchers in Spain" in out, out
    result, out = run("search", "vouchers", "--index", index, "--json", "--country", "ES")
    assert json.loads(result.output)["total"] == 0, out  # no country known for it
    result, out = run("search", "vouchers", "--index", index, "--page", "0")
    assert result.exit_code != 0 and "page must be" in out, out

    result, out = run("stats", "--index", index)
    assert result.exit_code == 0 and "Documents: 1" in out, out
    result, out = run("stats", "--index", index, "--json")
    assert json.loads(result.output)["documents"] == 1, out


def test_search_messages_name_the_options_and_unknown_values(corpus, tmp_path):
    # "--page-size 0" said "size must be between 1 and 100" (the URL's parameter), and an
    # unknown value ("--country XX") printed "0 documents" and nothing more.
    index = str(tmp_path / "index")
    run("ingest", str(corpus), "--index", index, "--quiet")
    result, out = run("search", "vouchers", "--index", index, "--page-size", "0")
    assert result.exit_code != 0 and "--page-size must be between 1 and 100, not 0" in out, out
    result, out = run("search", "vouchers", "--index", index, "--year", "abc")
    assert result.exit_code != 0 and "--year must be a whole number" in out, out
    result, out = run("search", "vouchers", "--index", index, "--language", "xx")
    assert result.exit_code == 0 and "0 documents" in out, out
    assert "--language xx: no document has this value; the values are en (" in out, out
    result, out = run("search", "vouchers", "--index", index, "--record", "foo")
    assert result.exit_code != 0 and "unknown --record value 'foo'; use one of evidence" in out, out
    result, out = run("search", "nothingsuch", "--index", index)
    assert "no document has this value" not in out, out  # the words, not a filter


def test_a_query_that_starts_with_a_minus_is_the_query(corpus, tmp_path):
    # "kb search '-covid export'" said "No such option: -c": the README's NOT could not come
    # first without "--"
    index = str(tmp_path / "index")
    run("ingest", str(corpus), "--index", index, "--quiet")
    result, out = run("search", "-covid vouchers", "--index", index, "--json")
    assert result.exit_code == 0, out
    assert json.loads(result.output)["total"] == 1, out
    result, out = run("search", "--index", index, "-vouchers")
    assert result.exit_code == 0 and "Export vouchers in Spain" not in out, out
    result, out = run("search", "vouchers", "--index", index, "--contry", "ES")
    assert result.exit_code == 2 and "No such option '--contry'" in out, out


def test_search_takes_words_that_are_not_utf8(corpus, tmp_path):
    # Bytes of the command line that are not UTF-8 reach Python as lone surrogates: the hits'
    # links (urllib's quote) ended `kb search "export \xff"` in a UnicodeEncodeError.
    index = str(tmp_path / "index")
    run("ingest", str(corpus), "--index", index, "--quiet")
    for args in (["vouchers \udcff\udcfe"], ["vouchers \udced\udca0\udc80"],
                 ["vouchers", "--country", "\udcff"], ["vouchers", "--theme", "\udcff"]):
        for fmt in ([], ["--json"]):
            result, out = run("search", *args, "--index", index, *fmt)
            assert result.exit_code == 0, out
    result, out = run("search", "vouchers \udcff", "--index", index, "--json")
    assert json.loads(result.output)["total"] == 1, out  # read as "vouchers \ufffd"


def test_clear_errors(tmp_path):
    result, out = run("search", "x", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1 and "no index yet" in out, out
    result, out = run("ingest", str(tmp_path / "missing"), "--index", str(tmp_path / "i"))
    assert result.exit_code == 1 and "corpus folder not found" in out, out


def test_search_reads_its_options_as_the_site_reads_its_parameters(tmp_path):
    from tests.helpers import build_index, make_doc

    index = tmp_path / "index"
    build_index(index, [
        make_doc("joint", "Joint report", "export text", country_code="EU", region_code="EU",
                 country_name="Project-wide (all partner countries)",
                 region_name="Project-wide (all partner regions)"),
        make_doc("norte", "Norte vouchers", "export vouchers", country_code="PT",
                 region_code="PT11", country_name="Portugal", region_name="Norte"),
    ])
    result, out = run("search", "export", "--index", str(index), "--country", "pt")
    assert result.exit_code == 0 and "1 document (" in out, out  # codes in any case
    assert "Norte, Portugal" in out, out
    result, out = run("search", "export", "--index", str(index), "--country", "eu")
    assert "Project-wide (all partner regions);" in out, out  # the place named once
    assert "all partner countries" not in out, out
    result, out = run("search", "export", "--index", str(index), "--year", "soon")
    assert result.exit_code == 1 and "year" in out and "Traceback" not in out, out


def test_search_has_an_option_for_every_facet_of_the_site(tmp_path):
    from index import FACET_FIELDS
    from search_app.cli import search_command
    from tests.helpers import build_index, make_doc

    options = {o for p in search_command.params for o in p.opts}
    assert [f for f in FACET_FIELDS if f"--{f}" not in options] == [], options
    index = tmp_path / "index"
    build_index(index, [
        make_doc("norte", "Norte vouchers", "export vouchers", policy_instrument="Norte 2020"),
        make_doc("other", "Other vouchers", "export vouchers", policy_instrument="Other ROP"),
    ])
    result, out = run("search", "export", "--index", str(index), "--json",
                      "--instrument", "Norte 2020")
    assert [h["id"] for h in json.loads(result.output)["hits"]] == ["norte"], out


def test_an_engine_may_be_named_in_capitals(monkeypatch):
    monkeypatch.setenv("KB_ENGINE", "TANTIVY")
    assert load_settings().engine == "tantivy"


def test_an_empty_setting_is_its_default(tmp_path, monkeypatch):
    """KB_EMBED_WORKERS= (as compose and systemd env files write an unset value)."""
    for variable in ("KB_EMBED_WORKERS", "KB_PORT", "KB_SEMANTIC", "KB_SEMANTIC_THREADS",
                     "KB_ADMIN_SECRET", "KB_INDEX"):
        monkeypatch.setenv(variable, "")
    settings = load_settings()
    assert (settings.embed_workers, settings.port, settings.semantic, settings.semantic_threads,
            settings.admin_secret, settings.index) == (None, 8000, True, 1, None,
                                                       Path("var/index"))
    result = CliRunner().invoke(main, ["stats", "--index", str(tmp_path / "i")])
    assert "KB_" not in result.output, result.output


@pytest.mark.parametrize("variable,value,allowed", [
    ("KB_PORT", "eighty", "valid integer"),
    ("KB_SEMANTIC_CACHE", "-1", "greater than or equal to 0"),
    ("KB_SEMANTIC_CACHE", "lots", "valid integer"),
    ("KB_EMBED_WORKERS", "0", "greater than or equal to 1"),
    ("KB_EMBED_WORKERS", "two", "valid integer"),
    ("KB_SEMANTIC_THREADS", "two", "valid integer"),
    ("KB_SEMANTIC_THREADS", "0", "greater than or equal to 1"),
    ("KB_SEMANTIC", "maybe", "valid boolean"),
    # accepted without a word until 2026-12-03: an export of -5 hits gave all but the last 5
    ("KB_EXPORT_LIMIT", "-5", "greater than or equal to 1"),
    ("KB_PORT", "99999", "less than or equal to 65535"),
    ("KB_SEARCHERS", "0", "greater than or equal to 1"),
    ("KB_CACHE_SIZE", "-1", "greater than or equal to 0"),
    ("KB_WORKERS", "0", "greater than or equal to 1"),
    ("KB_UPLOAD_MAX_MB", "0", "greater than or equal to 1"),
    ("KB_INGEST_TIME_LIMIT", "0", "greater than 0"),
    ("KB_ENGINE", "foo", "unknown search engine; engines: whoosh"),
])
def test_a_bad_setting_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch, variable, value,
                                                        allowed):
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["stats", "--index", str(tmp_path / "i")])
    assert result.exit_code == 1, result.output
    assert f"{variable}='{value}'" in result.output and allowed in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    with pytest.raises(SettingsError, match=f"{variable}='{value}'"):
        create_app()  # the server does not start either


def test_search_counts_in_the_singular_and_says_when_a_page_is_past_the_last(corpus, tmp_path):
    # "kb search vouchers" printed "1 documents"; "--page 99" printed the count and nothing
    # else (the site says "Page 99 is past the last page of results (1)"); a list not ranked
    # by relevance printed "score 0.00" on every hit.
    index = str(tmp_path / "index")
    run("ingest", str(corpus), "--index", index, "--quiet")
    result, out = run("search", "vouchers", "--index", index)
    assert out.splitlines()[1].startswith("1 document ("), out
    assert "score " in out, out
    result, out = run("search", "vouchers", "--index", index, "--page", "99")
    assert result.exit_code == 0, out
    assert "Page 99 is past the last page of results (1)." in out, out
    result, out = run("search", "", "--index", index, "--sort", "newest")
    assert "Export vouchers in Spain" in out and "score" not in out, out
