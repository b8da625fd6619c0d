#!/usr/bin/env python3
"""json_get.py - one value from a file of JSON lines, its type kept.

usage: json_get.py FILE KEY
       json_get.py --all FILE
KEY is a name (looked up at the top level of each object, then in the
objects nested in it, in order) or a dotted path (cow.cow_fix).  The first
line that has it gives the value, printed as: a string bare, unless it
would read as another type (a number, null, true, false: then quoted, so
that "102400" never passes for 102400); an int or a float as JSON writes
it; true, false, null; an object or array as compact JSON.  Nothing is
printed when no line has the key or a line is not JSON (exit 1).  --all
prints every name and dotted path json_get.py FILE KEY would answer, as
"KEY=VALUE" records each ended by a NUL (the shell's cache: one python per
file, not per key).
"""
import json
import re
import sys

MISSING = object()
LOOKS_TYPED = re.compile(r"^(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|null|true|false)$")


def find(obj, key):
    if "." in key:
        for part in key.split("."):
            if not isinstance(obj, dict) or part not in obj:
                return MISSING
            obj = obj[part]
        return obj
    if not isinstance(obj, dict):
        return MISSING
    if key in obj:
        return obj[key]
    for v in obj.values():
        for item in v if isinstance(v, list) else [v]:
            got = find(item, key)
            if got is not MISSING:
                return got
    return MISSING


def show(v):
    if isinstance(v, str):
        return json.dumps(v) if LOOKS_TYPED.match(v) else v
    return json.dumps(v, separators=(",", ":"))


def names(obj, prefix=""):
    """Every name and dotted path of obj, in json_get's order of search."""
    if not isinstance(obj, dict):
        return
    for k in obj:
        yield prefix + k
    for k, v in obj.items():
        if isinstance(v, dict):
            yield from names(v, prefix + k + ".")
    for v in obj.values():
        for item in v if isinstance(v, list) else [v]:
            if isinstance(item, dict):
                yield from (n.rsplit(".", 1)[-1] for n in names(item))


def dump(path):
    seen = set()
    try:
        lines = open(path).read().splitlines()
        for line in lines:
            if not line.strip():
                continue
            obj = json.loads(line)
            for n in names(obj):
                if n not in seen:
                    seen.add(n)
                    v = find(obj, n)
                    if v is not MISSING:
                        sys.stdout.write(f"{n}={show(v)}\0")
    except (OSError, ValueError):
        return 1
    return 0


def main(path, key):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return 1
    for line in lines:
        if not line.strip():
            continue
        try:
            v = find(json.loads(line), key)
        except ValueError:
            return 1
        if v is not MISSING:
            print(show(v))
            return 0
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    if sys.argv[1] == "--all":
        sys.exit(dump(sys.argv[2]))
    sys.exit(main(*sys.argv[1:]))
