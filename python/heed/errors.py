"""The exceptions and warnings of the heed package."""


class Error(Exception):
    """Base class of every error Heed raises."""


class CompileError(Error):
    """The compiler rejected the model.

    ``str(error)`` is the compiler's diagnostic as it prints it:
    ``file:line:col: error: message``, the source line and a caret under the
    column. The parts are attributes too (``file``, ``line`` and ``column``
    are None when the error has no place in the source, such as a bad
    flag).
    """

    def __init__(self, text, message=None, file=None, line=None, column=None):
        super().__init__(text)
        self.message = message if message is not None else text
        self.file = file
        self.line = line
        self.column = column


class RunError(Error):
    """A run failed, or its feeds do not fit the model (a missing or unknown
    input, another dtype or shape); the message names the input and what
    the model expects."""


class HeedWarning(UserWarning):
    """A warning of the compiler (its remarks go to the ``heed`` logger)."""
