#!/usr/bin/env python3
"""Keeps Sources/ readable: no file over 400 lines, no function over 80.

A function is any `func`, `init`, `deinit`, `subscript` or accessor body that opens with `{`
on its declaration's line; its length runs from the declaration to the matching `}`. Braces in
string literals and comments are skipped. Data tables (a long literal that is data, not logic)
are exempt when the declaration line, or the line above it, carries `// size: data table`.

Exit 1 and name each offender with its length, so `make test` fails on a regression.
"""
import os
import re
import sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
EXEMPT = "size: data table"
DECLARATION = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|static|class|final|override|mutating|nonmutating|nonisolated|convenience|required|isolated|consuming|borrowing|@inlinable|@usableFromInline|@discardableResult)\s+)*(func\s+[^\s(<]+|init[?!]?|deinit|subscript)\b")


def code_braces(line, state):
    """Yields (column, brace) for braces outside strings and comments; state carries
    multi-line strings and block comments from line to line."""
    index = 0
    while index < len(line):
        if state["block_comment"]:
            end = line.find("*/", index)
            if end < 0:
                return
            state["block_comment"] = False
            index = end + 2
            continue
        if state["multiline_string"]:
            end = line.find('"""', index)
            if end < 0:
                return
            state["multiline_string"] = False
            index = end + 3
            continue
        character = line[index]
        if line.startswith("//", index):
            return
        if line.startswith("/*", index):
            state["block_comment"] = True
            index += 2
            continue
        if line.startswith('"""', index):
            state["multiline_string"] = True
            index += 3
            continue
        if character == '"':
            index += 1
            depth = 0
            while index < len(line):
                if line[index] == "\\":
                    if line.startswith("\\(", index):
                        depth += 1
                        index += 2
                        continue
                    index += 2
                    continue
                if line[index] == ")" and depth > 0:
                    depth -= 1
                elif line[index] == '"' and depth == 0:
                    break
                index += 1
            index += 1
            continue
        if character in "{}":
            yield index, character
        index += 1


def check_file(path):
    problems = []
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > MAX_FILE_LINES:
        problems.append(f"{path}: {len(lines)} lines (at most {MAX_FILE_LINES})")
    state = {"block_comment": False, "multiline_string": False}
    depth = 0
    open_functions = []  # (depth at which the body opened, first line, name, exempt)
    for number, line in enumerate(lines, start=1):
        match = DECLARATION.match(line) if not (state["block_comment"] or state["multiline_string"]) else None
        pending = None
        if match:
            exempt = EXEMPT in line or (number > 1 and EXEMPT in lines[number - 2])
            pending = (number, match.group(1).replace("func ", ""), exempt)
        for _, brace in code_braces(line, state):
            if brace == "{":
                depth += 1
                if pending:
                    open_functions.append((depth, *pending))
                    pending = None
            else:
                if open_functions and open_functions[-1][0] == depth:
                    _, first, name, exempt = open_functions.pop()
                    length = number - first + 1
                    if length > MAX_FUNCTION_LINES and not exempt:
                        problems.append(f"{path}:{first}: {name} is {length} lines (at most {MAX_FUNCTION_LINES})")
                depth -= 1
    return problems


def main(roots):
    problems = []
    for root in roots:
        for directory, _, files in os.walk(root):
            for name in sorted(files):
                if name.endswith(".swift"):
                    problems.extend(check_file(os.path.join(directory, name)))
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-sizes: {len(problems)} over the limits (split them, or mark a data table with // {EXEMPT})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["Sources"]))
