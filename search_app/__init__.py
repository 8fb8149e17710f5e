"""The site, the JSON API, the admin area and the ``kb`` command, over ingest and index.

``search_app.app.create_app(settings)`` builds the FastAPI app (``kb serve`` runs it);
``search_app.cli.main`` is the ``kb`` command. Nothing imports this package but its entry
points and the tests, so it exports nothing itself. Inside, one module per job:

- ``settings`` (KB_* variables), ``deps`` (request dependencies), ``params`` (search
  parameters: parsing, validation, canonical URLs)
- ``search_page`` (the one data function behind the search page, the API and the exports),
  ``document_page``, ``home_page``, ``charts``
- ``pages`` (HTML routes), ``api`` (JSON routes), ``files`` (originals), ``errors`` (one error
  shape), ``cache`` (search pages per index version), ``head``/``headers`` (HEAD, security
  headers)
- ``admin`` (the admin area), ``watch`` (``kb ingest --watch``)
"""

__all__: list[str] = []
