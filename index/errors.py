"""Domain errors raised by the retrieval library."""

from __future__ import annotations


class CitebotError(Exception):
    """Base class for every error the library raises on purpose."""


class CorpusError(CitebotError):
    """The corpus folder is missing, unreadable or holds no usable text."""


class EmptyCorpusError(CorpusError):
    """There is nothing to index: no readable file produced a passage."""


class IndexFormatError(CitebotError):
    """A persisted index is missing, truncated, corrupt or from another format version."""


class IndexSaveError(CitebotError):
    """A built index could not be written to its file (a read-only or full disk)."""


class IndexPathError(CitebotError):
    """The index path names something that is not a citebot index: it is never replaced."""


class UnknownPassageError(CitebotError):
    """A passage id is malformed or names no passage of this index."""


class SettingsError(CitebotError, ValueError):
    """A retrieval setting has an invalid value."""
