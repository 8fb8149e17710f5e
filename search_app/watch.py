"""``kb ingest --watch``: follow the corpus folder and ingest changes as they come.

Changes are debounced (a burst of copies becomes one run); files and folders that ingest ignores
(names starting with "." or "_", temporary files) and the index folder, if it lies inside the
corpus, do not trigger a run. A run that finds another ingest holding the lock is retried a few
seconds later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from index import IndexLockedError

log = logging.getLogger(__name__)

#: Milliseconds of quiet before a batch of changes is ingested.
DEBOUNCE_MS = 1500
#: Seconds between retries while another ingest holds the lock.
RETRY_SECONDS = 5.0


def relevant(corpus: Path, index_dir: Path | None, path: str) -> bool:
    """Whether a change at ``path`` may change what ingest reads."""
    p = Path(path)
    if index_dir is not None:
        idx = Path(index_dir).resolve()
        if p == idx or idx in p.parents:
            return False
    try:
        rel = p.relative_to(corpus)
    except ValueError:
        return False
    return not any(part.startswith((".", "_", "~$")) or part.endswith(".tmp")
                   for part in rel.parts)


def watch_corpus(
    corpus: Path,
    run: Callable[[], None],
    *,
    index_dir: Path | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    stop_event: threading.Event | None = None,
) -> None:
    """Call ``run()`` after each debounced batch of relevant changes below ``corpus``, until
    ``stop_event`` is set (or Ctrl-C). ``run`` raising IndexLockedError is retried."""
    from watchfiles import watch

    corpus = Path(corpus).resolve()
    pending = False
    for changes in watch(
        corpus,
        watch_filter=lambda _change, path: relevant(corpus, index_dir, path),
        debounce=debounce_ms,
        step=50,
        stop_event=stop_event,
        rust_timeout=int(RETRY_SECONDS * 1000),
        yield_on_timeout=True,
        raise_interrupt=False,
    ):
        if not changes and not pending:
            continue
        if changes:
            log.info("%d change(s) below %s", len(changes), corpus)
        try:
            run()
            pending = False
        except IndexLockedError as exc:
            log.warning("%s; retrying in %g s", exc, RETRY_SECONDS)
            pending = True
