#!/usr/bin/env python3
"""Fails when a shell source holds logic that belongs in the core (issue 11): rounding numbers,
date arithmetic, converting local times with a zone or offset, or deciding by comparing a
message's text. The shells cannot be compiled on the
machines that run the tests, so what they decide no test here reaches; the core decides and the
shells keep view state and words.

A line that must stay (say, a UI timer) carries `shell-logic-ok: <why>` in a comment.
Usage: scripts/check-shell-logic.py [root]   (exit 1 and one line per finding)
"""
import pathlib
import re
import sys

SOURCES = [
    "ios/Sources/TechoAppModel",
    "ios/App/Sources",
    "android/app-model/src/main",
    "android/app/src/main/kotlin",
]

RULES = [
    ("rounds a number", re.compile(
        r"FractionDigits|\.rounded\(|\bround\(|Math\.round|roundToInt|roundToLong|RoundingMode|"
        r"String\(format:\s*\"%\.\d|\"%\.\d+f\"|\.toBigDecimal\(|setScale\(|\+\s*59u?L?\)\s*/\s*60")),
    ("does date arithmetic", re.compile(
        r"date\(byAdding|addingTimeInterval|timeIntervalSince|\.plus(Days|Hours|Minutes|Weeks|Months|Seconds)\(|"
        r"\.minus(Days|Hours|Minutes|Weeks|Months|Seconds)\(|\b86_?400\b|ChronoUnit\.|Duration\.ofDays|"
        r"dateComponents\(\[|\.until\(")),
    ("turns a local time into an instant (or back) by a zone or offset", re.compile(
        r"\.atZone\(|\.atOffset\(|ZoneOffset\.of|TimeZone\(secondsFromGMT|withZoneSameInstant|"
        r"\.toOffsetDateTime\(|\.toEpochSecond\(")),
    ("decides by comparing text", re.compile(
        r"[!=]=\s*\"[^\"]*\"|\"[^\"]*\"\s*[!=]=|[!=]=\s*[\w.]*(wording|words|table)[\[(.]|"
        r"\.(message|text|line|reason)\s*[!=]=|\.(hasPrefix|hasSuffix|startsWith|endsWith)\(|"
        r"\.contains\((problem|message|text|reason)\)")),
]

ALLOW = "shell-logic-ok:"
GENERATED = {"TechoKit.swift", "techo.kt"}


def findings(root: pathlib.Path):
    for top in SOURCES:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".swift", ".kt") or path.name in GENERATED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("//", 1)[0] if ALLOW not in line else ""
                if not code.strip():
                    continue
                for what, pattern in RULES:
                    if pattern.search(code):
                        yield f"{path.relative_to(root)}:{number}: {what}: {line.strip()}"


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    found = list(findings(root))
    for f in found:
        print(f)
    if found:
        print(f"{len(found)} line(s) of logic in the shells: move it into the core, or mark a line that must stay "
              f"with `{ALLOW} <why>`", file=sys.stderr)
        return 1
    print("no rounding, date arithmetic or text comparisons in the shells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
