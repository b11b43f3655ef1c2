"""Command-line face (``smime-archiver``): arguments into a job spec, the core does the rest.

- :mod:`.main`: the entry point ``main(argv)``, logging, errors to exit codes;
- :mod:`.parser`: the commands and options;
- :mod:`.passwords`: password sources and loading the key ring;
- :mod:`.export`, :mod:`.inspect`, :mod:`.keys`: one module per command;
- :mod:`.console`: terminal output, exit codes, Ctrl-C.
"""

from smime_archiver.cli.console import (
    EXIT_CANCELLED,
    EXIT_FATAL,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
)
from smime_archiver.cli.main import main
from smime_archiver.cli.passwords import PASSWORD_ENV

__all__ = ["EXIT_CANCELLED", "EXIT_FATAL", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_USAGE",
           "PASSWORD_ENV", "main"]
