#!/usr/bin/env python3
"""json_schema.py - check JSON lines against tests/cli/json_keys.txt.

usage: json_schema.py SPEC lines KIND FILE
           every line of FILE is one object of KIND: each listed key present
           (unless optional), of its type, nothing else; prints one line per
           object; exits 1 on any error or when FILE has no line
       json_schema.py SPEC seen KIND FILE...
           every optional key of KIND (and of the objects nested in it)
           appears in at least one line of the FILEs
       json_schema.py SPEC typed KIND FILE...
           every key of KIND (and of the objects nested in it) that may be
           null is seen not null at least once, as an int where it may be
           one: a key only ever null has its type unchecked
       json_schema.py SPEC docs README MAN7 MAN1
           the keys the docs list are exactly the keys of SPEC
Only the standard library: python3 is in .ci/run.
"""
import json
import re
import shlex
import sys

TYPES = {
    "string": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def load_spec(path):
    """{kind: {key: (types, optional)}} with aliases resolved."""
    spec, alias = {}, {}
    for n, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) == 3 and line[1] == "=":
            alias[line[0]] = line[2]
            continue
        if len(line) not in (3, 4) or line[3:] not in ([], ["optional"]):
            sys.exit(f"{path}:{n}: expected KIND KEY TYPE [optional]")
        spec.setdefault(line[0], {})[line[1]] = (line[2].split("|"), len(line) == 4)
    for kind, same in alias.items():
        spec[kind] = spec[same]
    return spec


def type_errors(spec, t, v, where):
    """Errors of value v against one alternative t."""
    if t in TYPES:
        return [] if TYPES[t](v) else [f"{where}: {json.dumps(v)[:60]} is not {t}"]
    if t.startswith("[") and t.endswith("]"):
        if not isinstance(v, list):
            return [f"{where}: {json.dumps(v)[:60]} is not an array"]
        errs = []
        for i, item in enumerate(v):
            errs += type_errors(spec, t[1:-1], item, f"{where}[{i}]")
        return errs
    if t in spec:
        return object_errors(spec, t, v, where)
    return [f"{where}: the spec names an unknown type {t}"]


def value_errors(spec, types, v, where):
    results = [type_errors(spec, t, v, where) for t in types]
    if any(not e for e in results):
        return []
    # the alternative of the same shape says best what is wrong
    for t, errs in zip(types, results):
        if (t in spec and isinstance(v, dict)) or (t.startswith("[") and isinstance(v, list)):
            return errs
    return [f"{where}: {json.dumps(v)[:60]} is not {'|'.join(types)}"]


def object_errors(spec, kind, obj, where):
    if not isinstance(obj, dict):
        return [f"{where}: not an object"]
    errs = []
    keys = spec[kind]
    for k, (types, optional) in keys.items():
        if k not in obj:
            if not optional:
                errs.append(f"{where}: key {k} missing")
            continue
        errs += value_errors(spec, types, obj[k], f"{where}.{k}")
    for k in obj:
        if k not in keys:
            errs.append(f"{where}: key {k} is not in the spec (renamed? undocumented?)")
    return errs


def event_name(kind):
    return "fork" if kind == "check" else kind


def cmd_lines(spec, kind, path):
    n = bad = 0
    for i, line in enumerate(open(path), 1):
        n += 1
        where = f"{path}:{i}"
        try:
            obj = json.loads(line)
        except ValueError as e:
            print(f"FAIL {where}: not JSON ({e}): {line[:80]!r}")
            bad += 1
            continue
        errs = object_errors(spec, kind, obj, kind)
        if isinstance(obj, dict) and obj.get("event") != event_name(kind):
            errs.append(f"event is {obj.get('event')!r}, not {event_name(kind)!r}")
        if kind == "check" and isinstance(obj, dict):
            if obj.get("call") != "check" or obj.get("outcome") is not None:
                errs.append(f"call {obj.get('call')!r} / outcome {obj.get('outcome')!r}: "
                            "want \"check\" / null")
        for e in errs:
            print(f"FAIL {where}: {e}")
        bad += bool(errs)
    if n == 0:
        print(f"FAIL {path}: no line to check")
        return 1
    print(f"{path}: {n} {kind} object(s), {n - bad} match the spec")
    return 1 if bad else 0


def optional_paths(spec, kind, prefix, out, depth=0):
    for k, (types, optional) in spec[kind].items():
        path = f"{prefix}.{k}"
        if optional:
            out.add(path)
        for t in types:
            inner = t[1:-1] if t.startswith("[") else t
            if inner in spec and depth < 3:
                optional_paths(spec, inner, path, out, depth + 1)


def present_paths(spec, kind, obj, prefix, out):
    if not isinstance(obj, dict) or kind not in spec:
        return
    for k, v in obj.items():
        if k not in spec[kind]:
            continue
        path = f"{prefix}.{k}"
        out.add(path)
        for t in spec[kind][k][0]:
            inner = t[1:-1] if t.startswith("[") else t
            if inner in spec:
                for item in v if isinstance(v, list) else [v]:
                    present_paths(spec, inner, item, path, out)


def cmd_seen(spec, kind, paths):
    want, have = set(), set()
    optional_paths(spec, kind, kind, want)
    for p in paths:
        for line in open(p):
            try:
                present_paths(spec, kind, json.loads(line), kind, have)
            except ValueError:
                pass
    missing = sorted(want - have)
    print(f"optional keys of {kind} seen: {len(want & have)} of {len(want)}"
          + (f"; never seen: {', '.join(missing)}" if missing else ""))
    return 1 if missing else 0


def type_of(spec, types, v):
    """The alternative of types that v is, or None."""
    for t in types:
        if not type_errors(spec, t, v, ""):
            return t
    return None


def typed_paths(spec, kind, obj, prefix, have, want, depth=0):
    """want: path -> the non-null alternatives of keys that may be null;
    have: the (path, alternative) pairs seen."""
    for k, (types, _) in spec[kind].items():
        path = f"{prefix}.{k}"
        if "null" in types and len(types) > 1:
            # seen not null; and as int, where an int is possible
            want.setdefault(path, ["int"] if "int" in types else ["some"])
        v = obj.get(k) if isinstance(obj, dict) else None
        if v is not None:
            t = type_of(spec, types, v)
            if t:
                have.add((path, t))
                have.add((path, "some"))
        for t in types:
            inner = t[1:-1] if t.startswith("[") else t
            if inner in spec and depth < 3:
                for item in (v if isinstance(v, list) else [v]) if v is not None else [None]:
                    typed_paths(spec, inner, item, path, have, want, depth + 1)


def cmd_typed(spec, kind, paths):
    want, have, n = {}, set(), 0
    typed_paths(spec, kind, None, kind, have, want)
    for p in paths:
        for line in open(p):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            n += 1
            typed_paths(spec, kind, obj, kind, have, want)
    missing = [f"{path} as {t}" for path, ts in sorted(want.items()) for t in ts
               if (path, t) not in have]
    total = sum(len(ts) for ts in want.values())
    print(f"{n} {kind} object(s): keys that may be null seen not null: "
          f"{total - len(missing)} of {total}"
          + (f"; never seen: {', '.join(missing)}" if missing else ""))
    return 1 if missing or not n else 0


IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def readme_keys(path):
    """Backticked bare identifiers of the "## JSON lines" section, and the
    identifiers of backticked {a, b} / [{a, b}] lists."""
    text = open(path).read()
    m = re.search(r"^## JSON lines\n(.*?)(?=^## )", text, re.S | re.M)
    keys = set()
    for tok in re.findall(r"`([^`]*)`", m.group(1) if m else ""):
        if tok.startswith("{\"") or tok.startswith("\""):
            continue  # a value, or a whole example object
        if tok.startswith("{") or tok.startswith("[{"):
            keys |= set(w for w in re.split(r"[^a-z0-9_]+", tok) if w)
        elif IDENT.match(tok):
            keys.add(tok)
    return keys


def man_keys(lines):
    """The identifiers of .B / .BR request lines (a .B of several words is
    a phrase, not a key)."""
    keys = set()
    for line in lines:
        if not (line.startswith(".B ") or line.startswith(".BR ")):
            continue
        try:
            args = shlex.split(line.split(None, 1)[1].replace("\\", "\\\\"))
        except ValueError:
            continue
        if line.startswith(".B ") and len(args) != 1:
            continue
        for a in args:
            a = a.strip("{}[](),.;")
            if IDENT.match(a):
                keys.add(a)
    return keys


def man_section(path, start, stop):
    lines, on = [], False
    for line in open(path):
        if on and stop(line):
            break
        if on:
            lines.append(line.rstrip("\n"))
        if start(line):
            on = True
    return lines


def cmd_docs(spec, readme, man7, man1):
    want = set()
    for kind in spec:
        want |= set(spec[kind])
    m7 = man_keys(man_section(man7, lambda l: l.startswith('.SH "JSON KEYS"'),
                              lambda l: l.startswith(".SH")))
    # forkguard(1): the keys of explain --json, from "One JSON object (keys"
    m1 = man_keys(man_section(man1, lambda l: l.startswith("One JSON object (keys"),
                              lambda l: not l.startswith(".BR")))
    bad = 0
    for name, have in (("README.md JSON lines", readme_keys(readme)),
                       ("libforkguard.7 JSON KEYS + forkguard.1 explain --json", m7 | m1)):
        missing, extra = sorted(want - have), sorted(have - want)
        ok = not missing and not extra
        print(f"{'PASS' if ok else 'FAIL'} docs: {name} lists {len(have & want)} of the "
              f"{len(want)} keys" + (f"; not listed: {', '.join(missing)}" if missing else "")
              + (f"; listed but not in the spec: {', '.join(extra)}" if extra else ""))
        bad += not ok
    return 1 if bad else 0


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    spec = load_spec(argv[1])
    if argv[2] == "lines" and len(argv) == 5 and argv[3] in spec:
        return cmd_lines(spec, argv[3], argv[4])
    if argv[2] == "seen" and len(argv) >= 5 and argv[3] in spec:
        return cmd_seen(spec, argv[3], argv[4:])
    if argv[2] == "typed" and len(argv) >= 5 and argv[3] in spec:
        return cmd_typed(spec, argv[3], argv[4:])
    if argv[2] == "docs" and len(argv) == 6:
        return cmd_docs(spec, *argv[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
