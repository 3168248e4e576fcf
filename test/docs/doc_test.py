#!/usr/bin/env python3
"""The doc test: runs the ```sql examples of README.md and docs/*.md and compares what
psql prints with what the document shows, so the documentation cannot drift from udm.

Each document runs on its own: in a new database with the extension created, its ```sql
blocks in the order they appear, in ONE psql session (settings, transactions and LISTEN
carry over from block to block), as the superuser, with

    psql -X -q -v VERBOSITY=verbose -P pager=off    (PGTZ=UTC)

so that an error shows its SQLSTATE ("ERROR:  42704: ..."). After it, the harness drops
whatever the document left behind (tenants, the database, new roles).

How a document shows output (the convention, also for new examples):

  * A statement ends with ";" at the end of a line, or with a psql meta-command such as
    \\gset on its last line; a meta-command alone on a line (\\x) is a statement of its
    own. Several statements may share a line; they count as one.
  * The lines directly under a statement that start with "--" are its output, exactly as
    psql prints it, each prefixed with "-- " (a line that is just "--" is an empty line):

        SELECT udm.tenant_schema('acme');
        --  tenant_schema
        -- ---------------
        --  tenant_acme
        -- (1 row)

    Trailing white space is ignored, and so are psql's "LOCATION:" lines (they name
    udm's source files) and the empty line psql prints after a result.
  * An error is output like any other and is checked the same way:

        SELECT udm.tenant_schema('nosuch');
        -- ERROR:  42704: tenant "nosuch" does not exist
        -- HINT:  udm.tenants lists the tenants of this database.

  * A statement with no "--" lines directly under it is run and must not fail (no ERROR
    or WARNING); what it prints is not compared. A comment on the statement's own line,
    or comment lines separated from the statement by an empty line, are prose.
  * Values that differ from run to run (times, ids, positions, process ids): write "..."
    in their place; it matches any text within the line, and the spaces around it. A
    line that is only "..." (that is "-- ...") matches any number of lines, so a long
    result can be cut. Prefer selecting columns that do not vary (a value of varying
    width also moves psql's header line); every "..." is a place the test is blind.
  * A ```sql block that must not run (a sketch with placeholders, DDL udm runs for you)
    is marked by the line directly above its fence:

        <!-- doc-test: not run (why) -->

    Keep these rare: an example a reader cannot run is one the test cannot keep true.
    Blocks of other languages (```sh, ```text, ```json, ...) are never run.

Each document says in its opening what to run first; prefer a page that sets up what it
needs (a tenant of its own) over one that depends on another page.

Usage: doc_test.py [--actual] FILE.md...   (connection from PGHOST, PGPORT, PGUSER)
(test/integration/docs.sh runs it on README.md and docs/*.md from the repository root.)
  --actual   print each statement with the output it gave, in the document's format, to
             help write or update an example (read what you paste: it becomes the truth).
Prints "docs: N passed, N failed" last (N statements) and exits non-zero on a failure.
"""

import difflib
import os
import re
import subprocess
import sys

FENCE = re.compile(r"^```\s*([A-Za-z0-9_+-]*)(.*)$")
NOT_RUN = re.compile(r"^<!--\s*doc-test:\s*not run\b.*-->\s*$")
MARKER = "@@doc-test statement {}@@"
MARKER_LINE = re.compile(r"^@@doc-test statement (\d+)@@$")


class DocError(Exception):
    """A document that the test cannot read (an unterminated statement, a bad marker)."""


class Statement:
    """One statement (or several on one line) of a document and the output it shows."""

    def __init__(self, doc, line, text):
        self.doc = doc
        self.line = line  # 1-based line of the statement's first line
        self.text = text  # the lines of SQL, as written
        self.expected = None  # list of output lines, or None when none is shown
        self.actual = []


def scan_sql(line, state):
    """Scans one line of SQL from lexer state `state` (None, "'", '"', "/*" or a dollar
    tag). Returns (new state, whether the line ends a statement)."""
    i = 0
    n = len(line)
    ends = False
    while i < n:
        c = line[i]
        if state is None:
            if c == "-" and line.startswith("--", i):
                break
            if c == "/" and line.startswith("/*", i):
                state = "/*"
                i += 2
                continue
            if c in ("'", '"'):
                state = c
            elif c == "$":
                m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", line[i:])
                if m:
                    state = m.group(0)
                    i += len(state)
                    continue
            elif c == ";":
                ends = True
                i += 1
                continue
            elif c == "\\":  # a meta-command such as \gset ends the statement
                return state, True
            if not c.isspace():
                ends = False
            i += 1
        elif state in ("'", '"'):
            if c == state:
                if line.startswith(state * 2, i):
                    i += 2
                    continue
                state = None
            i += 1
        elif state == "/*":
            if line.startswith("*/", i):
                state = None
                i += 2
            else:
                i += 1
        else:  # a dollar quote
            if line.startswith(state, i):
                i += len(state)
                state = None
            else:
                i += 1
    return state, ends


def parse(path):
    """Returns the statements of the runnable ```sql blocks of a document, in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    statements = []
    in_block = False
    run_block = False
    previous = ""
    current = None  # the statement being read
    state = None
    collecting = None  # the statement whose output lines are being read
    for number, line in enumerate(lines, start=1):
        if not in_block:
            m = FENCE.match(line)
            if m:
                in_block = True
                run_block = m.group(1) == "sql" and not NOT_RUN.match(previous.strip())
            previous = line
            continue
        if line.startswith("```"):
            if run_block and current is not None:
                raise DocError(f"{path}:{current.line}: statement without a terminating ';'")
            in_block = False
            collecting = None
            previous = line
            continue
        if not run_block:
            continue
        if collecting is not None:
            if line.startswith("--"):
                collecting.expected.append(line[3:] if line.startswith("-- ") else line[2:])
                continue
            collecting = None
        if current is None:
            stripped = line.strip()
            if not stripped or stripped.startswith("--"):
                continue  # prose between statements
            current = Statement(path, number, [])
            if stripped.startswith("\\"):  # a psql meta-command: one line
                current.text.append(line)
                statements.append(current)
                current.expected = []
                collecting = current
                current = None
                continue
        current.text.append(line)
        state, ends = scan_sql(line, state)
        if ends and state is None:
            statements.append(current)
            current.expected = []
            collecting = current
            current = None
    if in_block:
        raise DocError(f"{path}: a code block is not closed")
    for s in statements:
        if not s.expected:
            s.expected = None
    return statements


def psql(database, script):
    """Runs a script in one psql session; returns what it printed (stdout and stderr)."""
    env = dict(os.environ, PGTZ="UTC", PGDATABASE=database)
    env.pop("PGOPTIONS", None)  # the session as a reader's psql starts it
    result = subprocess.run(
        ["psql", "-X", "-q", "-v", "VERBOSITY=verbose", "-P", "pager=off", "-d", database],
        input=script,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    return result.stdout


def admin(*commands, check=True):
    """Runs commands in database postgres as the superuser, each in its own transaction."""
    args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
    for c in commands:
        args += ["-c", c]
    return subprocess.run(
        args,
        check=check,
        stdout=subprocess.PIPE,
        env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"),
        text=True,
    ).stdout


def quote_literal(text):
    return "'" + text.replace("'", "''") + "'"


def run_document(path, statements, number):
    """Runs a document's statements in a new database and fills in their output. Returns
    what psql printed before the first statement (nothing, unless the setup failed)."""
    database = f"udm_doc_test_{number}"
    roles = admin("SELECT string_agg(rolname, ',') FROM pg_roles").strip()
    admin(f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}")
    try:
        script = [
            "SET client_min_messages = warning;",
            "CREATE EXTENSION udm;",
            "RESET client_min_messages;",
        ]
        for i, s in enumerate(statements):
            script.append(f"\\echo '{MARKER.format(i)}'")
            script.extend(s.text)
        output = psql(database, "\n".join(script) + "\n")
    finally:
        # What the document left behind: its tenants (their roles are cluster-wide), the
        # database, and roles it created.
        subprocess.run(
            ["psql", "-X", "-q", "-d", database, "-c",
             "SET client_min_messages = warning; "
             "SELECT udm.drop_tenant(name, force => true) FROM udm.tenants"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        admin(
            f"DROP DATABASE IF EXISTS {database}",
            "DO $$DECLARE r name; BEGIN FOR r IN SELECT rolname FROM pg_roles "
            f"WHERE rolname <> ALL (string_to_array({quote_literal(roles)}, ',')) "
            "LOOP EXECUTE format('DROP ROLE %I', r); END LOOP; END$$",
        )
    setup = []
    current = None
    for line in output.split("\n"):
        m = MARKER_LINE.match(line)
        if m:
            current = int(m.group(1))
            continue
        if current is None:
            if line.strip():
                setup.append(line)
            continue
        if line.startswith("LOCATION:  "):
            continue
        statements[current].actual.append(line.rstrip())
    for s in statements:
        while s.actual and s.actual[-1] == "":
            s.actual.pop()
    return setup


def pattern(line):
    """A regular expression for one expected line: '...' matches any text, and so the
    white space around it (a value of another width pads its column differently)."""
    parts = re.split(r" *\.\.\. *", line.rstrip())
    return re.compile("^" + ".*".join(re.escape(p) for p in parts) + "$")


def matches(expected, actual):
    """Whether the actual lines match the expected ones (with '...' lines and values)."""
    memo = {}

    def at(i, j):
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(expected):
            result = j == len(actual)
        elif expected[i].strip() == "...":
            result = any(at(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            result = (
                j < len(actual)
                and pattern(expected[i]).match(actual[j]) is not None
                and at(i + 1, j + 1)
            )
        memo[key] = result
        return result

    return at(0, 0)


FAILURE = re.compile(r"^(ERROR|WARNING|FATAL|PANIC):|^psql:")


def check(s):
    """Returns None when a statement did what its document shows, else the problem. An
    error or warning must be shown to pass: a "..." line never stands for one."""
    shows_failure = s.expected is not None and any(FAILURE.match(l) for l in s.expected)
    if not shows_failure and any(FAILURE.match(l) for l in s.actual):
        shown = "\n".join("    " + l for l in s.actual)
        return "failed, and the document shows no error:\n" + shown
    if s.expected is None or matches(s.expected, s.actual):
        return None
    diff = difflib.unified_diff(
        ["-- " + l if l else "--" for l in s.expected],
        ["-- " + l if l else "--" for l in s.actual],
        "shown in the document",
        "printed by psql",
        lineterm="",
    )
    return "output differs from the document:\n" + "\n".join("    " + l for l in diff)


def main(argv):
    actual_mode = "--actual" in argv
    paths = [a for a in argv if a != "--actual"]
    if not paths:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        print("usage: doc_test.py [--actual] FILE.md...", file=sys.stderr)
        return 2
    passed = failed = 0
    for number, path in enumerate(paths):
        try:
            statements = parse(path)
        except DocError as e:
            print(f"not ok - {e}")
            failed += 1
            continue
        if not statements:
            continue
        setup = run_document(path, statements, number)
        doc_failed = 0
        if setup:
            failed += 1
            doc_failed += 1
            print(f"not ok - {path}: the database for it could not be set up:")
            print("\n".join("    " + l for l in setup))
        for s in statements:
            if actual_mode:
                print(f"== {path}:{s.line}")
                print("\n".join(s.text))
                print("\n".join("-- " + l if l else "--" for l in s.actual))
            problem = check(s)
            if problem is None:
                passed += 1
            else:
                failed += 1
                doc_failed += 1
                print(f"not ok - {path}:{s.line}: {s.text[0].strip()}")
                print("  " + problem)
        if doc_failed == 0:
            print(f"ok - {path}: {len(statements)} statements")
    print(f"docs: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
