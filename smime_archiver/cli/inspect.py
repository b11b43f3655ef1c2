"""``inspect``: list messages and their protection without writing anything."""

from __future__ import annotations

import json
import signal
import threading

from smime_archiver.cli.console import EXIT_CANCELLED, EXIT_OK, Console, check_inputs, interruptible
from smime_archiver.cli.passwords import load_keys, no_keys


def cmd_inspect(args, console: Console) -> int:
    from smime_archiver.inspect import describe, format_text, inspect_inputs
    from smime_archiver.parallel import default_jobs

    check_inputs(args.inputs)
    if args.key:
        keys, _errors = load_keys(args.key, args.password_file, console)
    else:
        keys = no_keys()
    cancel = threading.Event()
    previous = interruptible(cancel)
    count = 0
    try:
        if args.json:
            print("[", end="")
        for record in inspect_inputs(args.inputs, keys, jobs=args.jobs or default_jobs(),
                                     start_method=args.start_method, cancel=cancel):
            if args.json:
                text = json.dumps(describe(record), ensure_ascii=False, indent=2)
                print(("\n" if count == 0 else ",\n") + text, end="")
            else:
                for line in format_text(record):
                    print(line)
            count += 1
        if args.json:
            print("\n]" if count else "]")
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_OK
