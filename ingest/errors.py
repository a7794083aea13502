"""The one error type ingest raises for a file it cannot use."""


class UnreadableFileError(ValueError):
    """A file that cannot be ingested; the message is Swedish and shown to the user as is."""
