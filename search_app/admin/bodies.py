"""Reading an admin form body with limits counted as the bytes arrive.

A ``Content-Length`` header can be checked before reading, but a chunked request has none: the
body is counted while it streams in and reading stops at ``max_body`` bytes. Each uploaded file
is counted too: past ``max_file`` bytes the rest of that file is dropped, not written to a
temporary file, and the file comes out as an :class:`OversizedFile` (the upload refuses it with
a message, the other files go on). Too many files or fields is a :class:`FormRefused` with a
message fit for the admin.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser


class BodyTooLarge(Exception):
    """The request body is larger than the admin accepts."""


class FormRefused(Exception):
    """A form that cannot be read (too many files or fields, malformed); the message says why."""


@dataclass(frozen=True)
class OversizedFile:
    """An uploaded file that was larger than the limit (its content was not kept)."""

    filename: str
    limit: int


async def _counted(request: Request, max_body: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > max_body:
            raise BodyTooLarge(f"more than {max_body} bytes")
        yield chunk


class _CappedMultiPartParser(MultiPartParser):
    """Starlette's multipart parser, dropping each file's bytes past ``max_file``."""

    def __init__(self, *args: object, max_file: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.max_file = max_file
        self.sizes: dict[int, int] = {}
        self.oversized: set[int] = set()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        file = self._current_part.file
        if file is not None:
            size = self.sizes.get(id(file), 0) + (end - start)
            self.sizes[id(file)] = size
            if size > self.max_file:
                self.oversized.add(id(file))
                return
        super().on_part_data(data, start, end)


async def read_form(request: Request, *, max_files: int, max_fields: int, max_file: int,
                    max_body: int) -> FormData:
    """The submitted form, read within the limits (see the module docstring)."""
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    try:
        async with aclosing(_counted(request, max_body)) as stream:
            if content_type == b"multipart/form-data":
                parser = _CappedMultiPartParser(request.headers, stream, max_files=max_files,
                                                max_fields=max_fields, max_file=max_file)
                form = await parser.parse()
            elif content_type == b"application/x-www-form-urlencoded":
                return await FormParser(request.headers, stream, max_fields=max_fields).parse()
            else:
                return FormData()
    except MultiPartException as exc:
        message = exc.message
        if message.startswith("Too many files"):
            message = (f"At most {max_files} files can be uploaded at once: choose fewer "
                       "files, or upload them in several rounds.")
        raise FormRefused(message) from None
    items: list[tuple[str, str | UploadFile | OversizedFile]] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile) and id(value) in parser.oversized:
            await value.close()
            items.append((key, OversizedFile(value.filename or "", max_file)))
        else:
            items.append((key, value))
    return FormData(items)  # type: ignore[arg-type]
