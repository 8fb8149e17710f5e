"""``kb ingest --watch``: follow the corpus folder and ingest changes as they come.

Changes are debounced (a burst of copies becomes one run); files and folders that ingest ignores
(names starting with "." or "_", temporary files) and the index folder, if it lies inside the
corpus, do not trigger a run. A run that finds another ingest holding the lock is retried a few
seconds later.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from index import IndexLockedError
from ingest import is_ignored_name

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
    return not any(is_ignored_name(part) or part.endswith(".tmp") for part in rel.parts)


def watched_folders(corpus: Path, index_dir: Path | None = None) -> list[Path]:
    """The corpus folder and every folder below it that ingest reads. A linked folder is not
    entered (its files may lie outside the corpus, and a link to / would watch the machine)."""
    out = []
    for root, dirs, _ in os.walk(corpus):  # followlinks=False
        dirs[:] = sorted(d for d in dirs if relevant(corpus, index_dir, os.path.join(root, d)))
        out.append(Path(root))
    return out


def watch_corpus(
    corpus: Path,
    run: Callable[[], None],
    *,
    index_dir: Path | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    stop_event: threading.Event | None = None,
) -> None:
    """Call ``run()`` after each debounced batch of relevant changes below ``corpus``, until
    ``stop_event`` is set (or Ctrl-C). ``run`` raising IndexLockedError is retried.

    Each folder is watched on its own (not recursively: the watcher would follow links out
    of the corpus); a folder created or removed restarts the watch on the new set of folders,
    and the run for that change comes once the new watch is in place, so nothing is missed.
    """
    from watchfiles import Change, watch  # here: the other kb commands need not load it

    corpus = Path(corpus).resolve()
    pending = False
    while True:
        folders = watched_folders(corpus, index_dir)
        known = {str(f) for f in folders}
        restart = False
        for changes in watch(
            *folders,
            watch_filter=lambda _change, path: relevant(corpus, index_dir, path),
            debounce=debounce_ms,
            step=50,
            stop_event=stop_event,
            rust_timeout=int(RETRY_SECONDS * 1000),
            yield_on_timeout=True,
            raise_interrupt=False,
            recursive=False,
        ):
            restart = any(
                (change == Change.added and path not in known and os.path.isdir(path)
                 and not os.path.islink(path))
                or (change == Change.deleted and path in known)
                for change, path in changes
            )
            if restart:
                log.info("the folders below %s changed; watching them anew", corpus)
                pending = True
                break
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
        if not restart:
            return  # stopped
