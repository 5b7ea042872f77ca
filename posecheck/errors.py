"""Errors the library raises; the CLI maps each to a one-line message and an exit code."""

from __future__ import annotations


class PosecheckError(Exception):
    """Base class: the message is a complete sentence a user can act on."""

    exit_code = 1


class SpecError(PosecheckError):
    """A stretch spec file is missing, malformed or inconsistent."""

    exit_code = 3


class SourceError(PosecheckError):
    """A video, photo or camera cannot be opened or read."""

    exit_code = 4


class ModelError(PosecheckError):
    """The pose model cannot be found, downloaded or loaded."""

    exit_code = 5


class OutputError(PosecheckError):
    """Results cannot be written."""

    exit_code = 6


class HistoryError(PosecheckError):
    """The session history database cannot be used (damaged, not a history, newer, locked)."""

    exit_code = 8
