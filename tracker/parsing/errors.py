"""The one exception the parser raises for input it cannot use."""

from __future__ import annotations


class PostingError(ValueError):
    """A posting file that cannot be parsed.

    ``str()`` is one sentence naming the file and telling the user what to change, so the CLI and the
    import page can show it as is; ``path`` lets a batch report attach it to the right file.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return self.message
