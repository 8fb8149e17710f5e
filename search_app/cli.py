"""The ``kb`` command: ingest, search, stats, serve. A thin layer over ingest/ and index/."""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click
import uvicorn

from index import (
    SORTS,
    EmbedReport,
    IndexLockedError,
    IndexNotWritableError,
    IndexStore,
    IndexUnavailableError,
    QueryError,
    SearchFailedError,
    UnknownEngineError,
    embed_index,
    engine_names,
    index_stats,
    search,
    semantic_enabled,
)
from ingest import CatalogError, run_ingest, shown_name
from search_app.accepting import BOARD_ENV, new_board
from search_app.params import (
    FACET_HELP,
    FACET_LABELS,
    FACETS,
    ParameterError,
    SearchParams,
    parse_params,
)
from search_app.search_page import (
    documents_label,
    hit_data,
    left_out,
    to_request,
    unknown_values,
)
from search_app.settings import Settings, SettingsError, apply_to_index, load_settings
from search_app.watch import watch_corpus

#: the settings' own defaults, for the help texts (the environment is read when a command runs)
DEFAULTS = Settings.model_construct()

corpus_option = click.option(
    "--corpus", type=click.Path(path_type=Path, file_okay=False), default=None,
    help=f"Folder of documents [env KB_CORPUS; default {DEFAULTS.corpus}].",
)
index_option = click.option(
    "--index", "index_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help=f"Folder of the index [env KB_INDEX; default {DEFAULTS.index}].",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="upgradesme-kb", prog_name="kb")
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Search engine over the UpGradeSME documents.

    \b
    Example:
      kb ingest && kb search "export vouchers" --country ES && kb serve
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        ctx.obj = load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"a KB_ setting is not valid: {exc}") from exc
    apply_to_index(ctx.obj)


def _settings() -> Settings:
    """The settings of this run (from the KB_ variables), read by ``main`` for its commands."""
    return click.get_current_context().find_object(Settings) or load_settings()


@main.command(short_help="Read the corpus into the index (only what changed).")
@click.argument("corpus_arg", metavar="[CORPUS]", required=False,
                type=click.Path(path_type=Path, file_okay=False))
@corpus_option
@index_option
@click.option("--rebuild", is_flag=True,
              help="Build a new index beside the live one and swap it in.")
@click.option("--engine", default=None,
              help="The search engine to write: " + ", ".join(engine_names())
                   + f" [env KB_ENGINE; default {DEFAULTS.engine}]. An index of another "
                     "engine needs --rebuild.")
@click.option("--workers", type=int, default=None,
              help="Parsing processes [env KB_INGEST_WORKERS; default: cores].")
@click.option("--time-limit", type=float, default=None,
              help="Seconds one file may take "
                   f"[env KB_INGEST_TIME_LIMIT; default {DEFAULTS.ingest_time_limit:g}].")
@click.option("--memory-mb", type=int, default=None,
              help="Memory (MB) one parsing process may use "
                   f"[env KB_INGEST_MEMORY_MB; default {DEFAULTS.ingest_memory_mb}].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--watch", is_flag=True,
              help="Then keep running: ingest changes below the corpus as they come.")
@json_option
def ingest(
    corpus_arg: Path | None, corpus: Path | None, index_dir: Path | None, rebuild: bool,
    engine: str | None, workers: int | None, time_limit: float | None, memory_mb: int | None,
    quiet: bool, watch: bool, as_json: bool,
) -> None:
    """Read the corpus into the index (only what changed, unless --rebuild).

    \b
    Example:
      kb ingest corpus/ --index var/index
      kb ingest --watch        # and then every change, until Ctrl-C
      kb ingest --rebuild --engine whoosh
    """
    settings = _settings()
    if engine is not None:
        settings = settings.model_copy(update={"engine": engine})
    corpus = corpus_arg or corpus or settings.corpus
    index_dir = index_dir or settings.index
    try:
        _ingest_once(settings, corpus, index_dir, rebuild, workers, time_limit, memory_mb, quiet,
                     as_json, keep_going=watch)
    except IndexLockedError as exc:  # only with --watch: the next change retries
        click.echo(f"Error: {exc}", err=True)
    if watch:
        click.echo(f"Watching {corpus} for changes (Ctrl-C to stop)...", err=True)
        watch_corpus(corpus, lambda: _ingest_once(
            settings, corpus, index_dir, False, workers, time_limit, memory_mb, True, as_json,
            keep_going=True), index_dir=index_dir)


def _ingest_once(
    settings: Settings,
    corpus: Path, index_dir: Path, rebuild: bool, workers: int | None,
    time_limit: float | None, memory_mb: int | None, quiet: bool, as_json: bool,
    *, keep_going: bool = False,
) -> None:
    bar: Any = None

    def progress(done: int, total: int, path: str) -> None:
        nonlocal bar
        if quiet or as_json or total == 0:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Parsing", file=sys.stderr,
                                    item_show_func=lambda p: p)
            bar.__enter__()
        bar.update(done - bar.pos, path)

    try:
        report = run_ingest(
            corpus, index_dir, rebuild=rebuild,
            workers=workers or settings.ingest_workers,
            time_limit=time_limit or settings.ingest_time_limit,
            memory_mb=memory_mb or settings.ingest_memory_mb,
            progress=progress, ocr=settings.ocr, engine=settings.engine,
        )
    except IndexLockedError as exc:
        if keep_going:
            raise  # the watcher retries
        raise click.ClickException(str(exc)) from exc
    except (CatalogError, FileNotFoundError, IndexNotWritableError, IndexUnavailableError,
            UnknownEngineError) as exc:
        if keep_going:  # --watch: say so and wait for the next change
            click.echo(f"Error: {exc}", err=True)
            return
        raise click.ClickException(str(exc)) from exc
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    embedded = _embed(index_dir, quiet or as_json)
    if as_json:
        _echo_json({**report.to_dict(), "semantic": embedded.to_dict()})
        return
    if report.rebuild_reason:
        click.echo(f"Rebuilt the whole index: {report.rebuild_reason}", err=True)
    click.echo(
        f"{report.mode}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed, "
        f"{len(report.failed)} failed, {len(report.skipped)} skipped in {report.seconds:.1f} s "
        f"({report.documents} documents in the index)"
        + (f"; {report.ocr_pages} pages read by OCR" if report.ocr_pages else "")
    )
    for failure in report.failed:
        note = "" if failure.get("retried", True) else " (unchanged since it failed)"
        click.echo(f"  failed: {failure['path']}: {failure['reason']}{note}")
    for skipped in report.skipped:
        click.echo(f"  skipped: {skipped['path']}: {skipped['reason']}")
    for warning in report.warnings:
        click.echo(f"  warning: {warning['path']}: {warning['warning']}")
    if embedded.state == "disabled":
        click.echo("Semantic search is off (KB_SEMANTIC=0): no vectors made.")
    elif embedded.state == "busy":
        click.echo("Semantic: another process is embedding documents; it takes these too.")
    else:
        click.echo(f"Semantic: {embedded.embedded} documents embedded, {embedded.reused} "
                   f"unchanged, in {embedded.seconds:.1f} s")


def semantic_line(sem: dict[str, Any]) -> str:
    """'on, 78 of 78 documents embedded (model)' and the like, for kb stats and the site."""
    if not sem.get("enabled"):
        return "off (KB_SEMANTIC=0)"
    line = f"on, {sem.get('embedded', 0)} of {sem.get('documents', 0)} documents embedded"
    if sem.get("damaged"):
        line += (" (the vectors file is damaged: searching by keywords only; `kb ingest` "
                 "embeds the documents again)")
    elif sem.get("running"):
        line += " (embedding now)"
    elif sem.get("embedded", 0) < sem.get("documents", 0):
        line += " (run `kb ingest` to embed the rest)"
    if sem.get("model"):
        line += f"; model {sem['model']}"
    return line


def _embed(index_dir: Path, quiet: bool) -> EmbedReport:
    """Vectors for new and changed documents, after the keyword index is live (searches
    work meanwhile and use the vectors made so far)."""
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet or total == 0:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Embedding (search works meanwhile)",
                                    file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        return embed_index(IndexStore(index_dir), progress=progress,
                           workers=_settings().embed_workers)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


Command = TypeVar("Command", bound=Callable[..., Any])


def facet_options(command: Command) -> Command:
    """A repeatable option for each facet of the search page (``FACETS``, in its order), so
    that ``kb search`` filters on every facet the site has."""
    for name in reversed(FACETS):
        text = f"{FACET_HELP.get(name, FACET_LABELS[name])} (repeatable)."
        command = click.option(f"--{name}", name, multiple=True, metavar="VALUE",
                               help=text)(command)
    return command


#: What kb search's messages call the search parameters (search_app.params names them as
#: the URL does: "size must be between 1 and 100" is "--page-size ..." here).
CLI_NAMES: dict[str, str] = {"q": "the query", "page": "--page", "size": "--page-size",
                             "sort": "--sort", **{name: f"--{name}" for name in FACETS}}
def _unknown_lines(store: IndexStore, params: SearchParams) -> list[str]:
    """A line for each filter value that no searchable document has ("--country XX: no
    document has this value; the values are DE, ES, ..."), as the site names them
    (search_app.search_page: unknown_values): a command printed "0 documents" and nothing
    more."""
    return [f"--{u.facet} {u.value}: no document has this value"
            + (f"; the values are {u.listed()}" if u.values else "")
            for u in unknown_values(store, params)]


class _SearchCommand(click.Command):
    """kb search: a query that starts with a minus ("-covid export", the NOT of the query
    syntax) is the query, not options ("No such option: -c"; "-covid vouchers" showed the
    help, its "h" read as -h); an unknown option written with two minuses ("--contry") is
    still an error."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        known = {o for p in options for o in (*p.opts, *p.secondary_opts)}
        takes_value = {o for p in options if not p.is_flag for o in p.opts}
        kept: list[str] = []
        queries: list[str] = []
        for i, arg in enumerate(args):
            if arg == "--":
                kept.extend(args[i:])
                break
            name = arg.split("=", 1)[0]
            if name.startswith("--") and name not in known:
                raise click.NoSuchOption(name, ctx=ctx)
            if (arg.startswith("-") and not arg.startswith("--") and len(arg) > 1
                    and arg not in known and not (kept and kept[-1] in takes_value)):
                queries.append(arg)  # the query, given after "--" below
                continue
            kept.append(arg)
        if queries:
            kept += ([] if "--" in kept else ["--"]) + queries
        return super().parse_args(ctx, kept)


@main.command("search", cls=_SearchCommand,
              short_help="Search; print documents with their best passages.")
@click.argument("query", required=False, default="")
@index_option
@facet_options
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--page-size", type=int, default=10, show_default=True)
@json_option
def search_command(
    query: str, index_dir: Path | None, sort: str, page: int, page_size: int, as_json: bool,
    **facets: tuple[str, ...],
) -> None:
    """Search the index and print ranked documents with their best passages.

    \b
    Example:
      kb search "export vouchers" --country ES
      kb search '"online matchmaking" AND covid' --json
    """
    # The page's own parameters, so that a search reads the same here as on the site
    # (country and region codes in any case, years as numbers, page within range).
    # A word of the command line that is not UTF-8 (Python hands its bytes over as lone
    # surrogates) reads as the site reads one in a URL: its bytes as U+FFFD.
    items = [(name, shown_name(value)) for name, value in [
        ("q", query), ("sort", sort), ("page", str(page)), ("size", str(page_size)),
        *((name, value) for name, values in facets.items() for value in values)]]
    store = IndexStore(index_dir or _settings().index, engine=_settings().engine)
    try:
        params = parse_params(items, names=CLI_NAMES)
        result = search(store, to_request(params))
        unknown = _unknown_lines(store, params) if not result.total else []
    except (ParameterError, QueryError, IndexUnavailableError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        data = asdict(result)
        data.pop("request")
        _echo_json(data)
        return
    mode = ("keywords + meaning" if result.semantic
            else "keywords only" + ("" if semantic_enabled() else " (KB_SEMANTIC=0)"))
    click.echo(f"{documents_label(result.total)} ({result.took_ms:.0f} ms; {mode})")
    pages = max(1, -(-result.total // params.size))
    if result.total and params.page > pages:  # the site's words for it (_results.html)
        click.echo(f"Page {params.page} is past the last page of results ({pages}).")
    for line in unknown:
        click.echo(line)
    if result.notice:
        click.echo(f"Note: {result.notice}")
    _, sorted_note = left_out(store, params, result)  # sorted by date or title
    if sorted_note:
        click.echo(f"Note: {sorted_note}")
    if result.corrected:
        click.echo(f"Nothing found for {result.request.query!r}; showing results for "
                   f"{result.corrected!r} (search {result.as_typed!r} for the words as typed).")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    labels = store.facet_labels()
    first = (params.page - 1) * params.size
    for n, hit in enumerate(result.hits, first + 1):
        shown = hit_data(hit, n, result.corrected or params.q, labels)
        click.echo(f"\n{n}. {shown.title}  [{shown.doc_type or '-'}; {shown.place or '-'}; "
                   f"{shown.date or '-'}; {shown.language or '-'}]")
        found = "; found by meaning" if shown.match == "semantic" else ""
        # a score only where the hits are ranked by it (the exports leave it empty so)
        score = f", score {shown.score:.2f}" if params.sort == "relevance" and params.q else ""
        click.echo(f"   {shown.source_path}  (id {shown.id}{score}{found})")
        for p in shown.passages:
            snippet = p.snippet.replace("<mark>", "\033[1m").replace("</mark>", "\033[0m")
            click.echo(f"   - {p.where}: {html.unescape(snippet)}")


@main.command(short_help="Show what is indexed.")
@index_option
@json_option
def stats(index_dir: Path | None, as_json: bool) -> None:
    """Show what is indexed: documents by type, country and language; size; last ingest.

    \b
    Example:
      kb stats --json
    """
    store = IndexStore(index_dir or _settings().index, engine=_settings().engine)
    reason = store.needs_rebuild()
    if reason:
        raise click.ClickException(reason if "kb ingest" in reason else
                                   f"{reason}: run `kb ingest`")
    try:
        st = index_stats(store)
    except (IndexUnavailableError, SearchFailedError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        _echo_json(asdict(st))
        return
    click.echo(f"Index: {store.path} (generation {st.generation}, schema {st.schema_version}, "
               f"engine {st.engine})")
    click.echo(f"Documents: {st.documents} ({st.hidden} hidden); passages: {st.passages}; "
               f"size: {st.size_bytes / 1e6:.1f} MB; failed files: {st.failures}")
    for label, counts in (("By type", st.by_type), ("By country", st.by_country),
                          ("By language", st.by_language)):
        click.echo(f"{label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"Semantic search: {semantic_line(st.semantic)}")
    if st.last_ingest:
        li = st.last_ingest
        click.echo(f"Last ingest: {li.get('mode')} in {li.get('seconds')} s: "
                   f"{len(li.get('added', []))} added, {len(li.get('updated', []))} updated, "
                   f"{li.get('unchanged')} unchanged, {len(li.get('removed', []))} removed, "
                   f"{len(li.get('failed', []))} failed")


@main.command(short_help="Serve the search site and the JSON API.")
@corpus_option
@index_option
@click.option("--host", default=None, help=f"Address [env KB_HOST; default {DEFAULTS.host}].")
@click.option("--port", type=int, default=None,
              help=f"Port [env KB_PORT; default {DEFAULTS.port}].")
@click.option("--workers", type=int, default=None,
              help=f"Server processes [env KB_WORKERS; default {DEFAULTS.workers}].")
@click.option("--forwarded-allow-ips", default=None, metavar="IPS",
              help="Behind a reverse proxy: the proxy addresses (comma-separated) whose "
                   "X-Forwarded-For/-Proto are trusted, so that each client is known by its "
                   "own address [env KB_FORWARDED_ALLOW_IPS; default: none trusted].")
def serve(corpus: Path | None, index_dir: Path | None, host: str | None, port: int | None,
          workers: int | None, forwarded_allow_ips: str | None) -> None:
    """Serve the search site and the JSON API.

    \b
    Example:
      kb serve --port 8000 --workers 2
      kb serve --forwarded-allow-ips 127.0.0.1   # behind nginx on the same machine
    """
    settings = _settings()
    # Server workers are separate processes: hand them the settings through the environment.
    os.environ["KB_CORPUS"] = str((corpus or settings.corpus).resolve())
    os.environ["KB_INDEX"] = str((index_dir or settings.index).resolve())
    trusted = forwarded_allow_ips or settings.forwarded_allow_ips
    processes = workers or settings.workers
    # Several workers: each new connection goes to the one holding the fewest
    # (search_app/accepting.py; POSIX only).
    spread = processes > 1 and os.name == "posix"
    with contextlib.ExitStack() as stack:
        if spread:
            os.environ[BOARD_ENV] = str(stack.enter_context(new_board(processes)))
        uvicorn.run(
            "search_app.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=processes,
            loop="search_app.accepting:loop_factory" if spread else "auto",
            log_level="info",
            # Only a configured proxy may say who the client is (the login backoff counts
            # per client address); by default the headers are ignored.
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or None,
        )


if __name__ == "__main__":
    main()
