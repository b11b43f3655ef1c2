"""``inspect``: list messages and their protection without writing anything."""

from __future__ import annotations

import json
import threading

from smime_archiver.cli.console import EXIT_OK, Console, StopSignals, check_inputs
from smime_archiver.cli.passwords import load_keys, no_keys
from smime_archiver.termsafe import json_shown, shown


def cmd_inspect(args, console: Console) -> int:
    from smime_archiver.inspect import describe, format_text, inspect_inputs
    from smime_archiver.parallel import default_jobs

    check_inputs(args.inputs)
    if args.key:
        keys, _errors = load_keys(args.key, args.password_file, console)
    else:
        keys = no_keys()
    cancel = threading.Event()
    count = 0
    with StopSignals(cancel) as stop:
        if args.json:
            print("[", end="")
        for record in inspect_inputs(args.inputs, keys, jobs=args.jobs or default_jobs(),
                                     start_method=args.start_method, cancel=cancel):
            if args.json:
                text = json_text(describe(record))
                print(("\n" if count == 0 else ",\n") + text, end="")
            else:
                for line in format_text(record):
                    print(shown(line))
            count += 1
        if args.json:
            print("\n]" if count else "]")
    if cancel.is_set():
        return stop.exit_code
    return EXIT_OK


def json_text(data: object) -> str:
    """JSON for a terminal: C1 and bidi controls as ``\\u`` escapes too."""
    return json_shown(json.dumps(data, ensure_ascii=False, indent=2))
