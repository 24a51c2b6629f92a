"""The base of errors a person can act on.

The CLI prints such an error's message, without a traceback, and exits with status 2.
This module imports nothing of the project, so that every part (the service's packages
and the loaders alike) can subclass :class:`UserError` without depending on another part.
"""

from __future__ import annotations


class UserError(Exception):
    """Something a person can fix (a file, a setting, a name, a running service); the
    message says what and, where it can, how."""
