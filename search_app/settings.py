"""Settings from the environment (prefix KB_), with the command line able to override them.

:func:`load_settings` reads them; a bad value is a :class:`SettingsError` naming the variable,
its value and what is allowed (the ``kb`` command says it and stops; the app does not start).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index import (
    SEMANTIC_CACHE_SIZE,
    SEMANTIC_THREADS,
    engine_names,
    set_semantic_cache,
    set_semantic_enabled,
    set_semantic_threads,
)


class Settings(BaseSettings):
    #: an empty value (KB_EMBED_WORKERS=, common in compose and systemd env files) is the default
    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore", env_ignore_empty=True)

    #: the folder of documents
    corpus: Path = Path("corpus")
    #: the folder of the index (created by ingest)
    index: Path = Path("var/index")
    #: the search engine of the index: "whoosh" (the default) or another registered one
    #: (index.engine_names()); an index remembers its engine, switching needs
    #: `kb ingest --rebuild`
    engine: str = "whoosh"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: server worker processes
    workers: int = Field(default=1, ge=1)
    #: addresses of reverse proxies whose X-Forwarded-For/-Proto headers are trusted
    #: (comma-separated IPs or networks, "*" for any); none by default
    forwarded_allow_ips: str | None = None
    #: the admin secret; without it the admin area is off
    admin_secret: str | None = None
    #: admin uploads: largest file accepted, in MB
    upload_max_mb: int = Field(default=50, ge=1)
    #: admin uploads: most files in one upload
    upload_max_files: int = Field(default=20, ge=1)
    #: ingest: parallel parsing processes (default: the number of cores)
    ingest_workers: int | None = Field(default=None, ge=1)
    #: ingest: seconds one file may take to parse
    ingest_time_limit: float = Field(default=60.0, gt=0)
    #: ingest: memory (MB) one parsing process may use
    ingest_memory_mb: int = Field(default=2048, ge=1)
    #: ingest: read pages without a text layer (and images) by OCR; KB_OCR=0 turns it off
    ocr: bool = True
    #: largest number of hits a CSV/JSON export returns
    export_limit: int = Field(default=10_000, ge=1)
    #: searches that run at once per server process, each on a searcher of a bounded pool
    #: (each holds the index's caches: memory grows with this, not with the clients)
    searchers: int = Field(default=4, ge=1)
    #: search pages kept per server process (0 turns the cache off)
    cache_size: int = Field(default=512, ge=0)
    #: semantic (cross-language) search; off: keyword search only, no vectors made. Accepted:
    #: 1/0, true/false, yes/no, on/off (any case)
    semantic: bool = True
    #: semantic search: threads the embedding model uses per call
    semantic_threads: int = Field(default=SEMANTIC_THREADS, ge=1)
    #: semantic search: texts whose vectors a process keeps, so a query searched again is not
    #: embedded again (0 keeps none)
    semantic_cache: int = Field(default=SEMANTIC_CACHE_SIZE, ge=0)
    #: semantic search: model calls at once while ingest embeds documents (default: the cores)
    embed_workers: int | None = Field(default=None, ge=1)

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, name: str) -> str:
        """A registered engine, in any case ("TANTIVY"): an unknown one was only refused by
        `kb ingest --rebuild`, after `kb stats` had told to run it."""
        for candidate in (name, name.strip().lower()):
            if candidate in engine_names():
                return candidate
        raise ValueError(f"unknown search engine; engines: {', '.join(engine_names())}")


def apply_to_index(settings: Settings) -> None:
    """Hand the index the settings it keeps per process (semantic search on or off, its
    threads per model call, its vector cache); the index reads no KB_ variable itself."""
    set_semantic_enabled(settings.semantic)
    set_semantic_threads(settings.semantic_threads)
    set_semantic_cache(settings.semantic_cache)


class SettingsError(ValueError):
    """A KB_ variable holds a value its setting does not allow."""


def load_settings() -> Settings:
    """The settings of the KB_ variables; SettingsError when one is not valid."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [f"KB_{'_'.join(str(p) for p in e['loc']).upper()}={e.get('input')!r}: "
                    f"{e['msg'][:1].lower()}{e['msg'][1:]}" for e in exc.errors()]
        raise SettingsError("; ".join(problems)) from exc
