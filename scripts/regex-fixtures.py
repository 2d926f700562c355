#!/usr/bin/env python3
"""Regenerates Tests/FleetRegexTests/Fixtures/re2-matches.json: first-match capture slots
recorded from RE2 (PyPI google-re2), whose matching semantics Go's regexp shares (leftmost-first,
RE2 syntax). Run by hand when the corpus below changes: pip install google-re2, then
scripts/regex-fixtures.py > Tests/FleetRegexTests/Fixtures/re2-matches.json
"""
import json, random, sys
import re2

HAND = [
    ("abc", ["abc", "xabcy", "ab", ""]),
    ("a.c", ["abc", "a\nc", "ac", "a\u00e9c"]),
    ("(?s)a.c", ["a\nc"]),
    ("^abc$", ["abc", "abc\n", "xabc"]),
    ("(?m)^b$", ["a\nb\nc", "b", "ab"]),
    ("a|ab|abc", ["abc", "xab"]),
    ("(a|ab)(c|bcd)(d*)", ["abcd", "abcdd"]),
    ("(a+)(b+)?", ["aab", "aaa", "b"]),
    ("(a*)*", ["b", "aa"]),
    ("(a*)+", ["b", "aa"]),
    ("(|a)*", ["aa"]),
    ("(|a)+", ["aa"]),
    ("(a*|b)*", ["ab", "ba"]),
    ("(a|b)*?c", ["abac"]),
    ("a*?", ["aaa"]),
    ("a+?b", ["aaab"]),
    ("(a+?)(a*)", ["aaa"]),
    ("(?U)a+", ["aaa"]),
    ("(?U)a+?", ["aaa"]),
    ("a{2}", ["aaa", "a"]),
    ("a{2,}", ["aaaa"]),
    ("a{2,3}", ["aaaa"]),
    ("a{2,3}?", ["aaaa"]),
    ("a{,3}", ["a{,3}", "aaa"]),
    ("x{0}y", ["xy", "y"]),
    ("(ab){2}", ["ababab"]),
    ("(a(b)?)+", ["aba", "ab"]),
    ("(a)|(b)", ["b", "a"]),
    ("(?P<first>\\w+)\\s+(?P<last>\\w+)", ["Alan Turing"]),
    ("(?<y>\\d{4})-(?<m>\\d{2})", ["on 2024-06-01"]),
    ("[a-c]+", ["xxabcabcd"]),
    ("[^a-c]+", ["abcxyz\nq"]),
    ("[]a]+", ["]a]b"]),
    ("[^]a]+", ["]a]bc"]),
    ("[a-]+", ["a-a-b"]),
    ("[-a]+", ["-a-b"]),
    ("[[:alpha:]]+", ["123abcDEF456"]),
    ("[[:^alpha:]]+", ["abc123def"]),
    ("[[:digit:][:upper:]]+", ["abcD4E5f"]),
    ("[\\d\\s]+", ["ab1 2\t3c"]),
    ("\\D+", ["12ab34"]),
    ("\\W+", ["ab_ cd!"]),
    ("\\S+", ["  ab  "]),
    ("\\bfoo\\b", ["a foo b", "foobar", "afoo"]),
    ("\\Bo\\B", ["foo", "o"]),
    ("\\Aab", ["ab", "cab"]),
    ("ab\\z", ["ab", "ab\n"]),
    ("(?i)hello", ["HeLLo world"]),
    ("(?i)[a-c]+", ["xABCabc"]),
    ("(?i)k", ["\u212a", "K", "k"]),
    ("(?i)s+", ["S\u017fs"]),
    ("(?i)\u00df", ["\u1e9e"]),
    ("(?i:a)b", ["Ab", "AB"]),
    ("a(?i)b", ["aB", "AB"]),
    ("(?i)a(?-i)b", ["AB", "Ab"]),
    ("\\pL+", ["12\u00e9t\u00e9!"]),
    ("\\p{Lu}+", ["abCDEf"]),
    ("\\PL+", ["ab12!cd"]),
    ("\\p{^L}+", ["ab12!cd"]),
    ("[\\p{Nd}x]+", ["ab12x3c"]),
    ("\\x41\\x{42}\\103", ["ABC"]),
    ("\\Q.*\\E+", ["a.***"]),
    ("\\.\\*\\+", ["a.*+"]),
    ("\u00e9+", ["caf\u00e9\u00e9"]),
    ("[\u00e0-\u00ff]+", ["na\u00efve"]),
    (".", ["\u00e9"]),
    ("$", ["abc"]),
    ("^", ["abc"]),
    ("", ["abc"]),
    ("a**", []),
    ("a*+", []),
    ("(a", []),
    ("a)", []),
    ("[a", []),
    ("a{1001}", []),
    ("x{2}{3}", []),
    ("\\8", []),
    ("\\1", []),
    ("(?P<n-1>a)", []),
    ("(?z)", []),
    ("[z-a]", []),
    ("[[:foo:]]", []),
    ("*a", []),
    ("a\\", []),
    ("(?i", []),
    ("((a){10}){10}", ["a" * 120]),
    ("((a){100}){100}", []),
]

def slots(pattern, text):
    m = re2.compile(pattern.encode()).search(text.encode())
    if m is None:
        return None
    out = []
    for g in range(0, m.re.groups + 1):
        s, e = m.span(g)
        out += [s, e]
    return out

def compiles(pattern):
    try:
        re2.compile(pattern.encode())
        return True
    except Exception:
        return False

def random_pattern(rng, depth=0):
    kind = rng.random()
    if depth > 3 or kind < 0.3:
        return rng.choice(["a", "b", "c", ".", "[ab]", "[^a]", "\\w", "\\b", "^", "$", "(?:)", "a|b"])
    if kind < 0.45:
        return random_pattern(rng, depth + 1) + random_pattern(rng, depth + 1)
    if kind < 0.55:
        return random_pattern(rng, depth + 1) + "|" + random_pattern(rng, depth + 1)
    if kind < 0.7:
        return "(" + random_pattern(rng, depth + 1) + ")"
    if kind < 0.8:
        return "(?:" + random_pattern(rng, depth + 1) + ")" + rng.choice(["*", "+", "?", "*?", "+?", "??", "{2}", "{1,2}", "{0,}"])
    return "(" + random_pattern(rng, depth + 1) + ")" + rng.choice(["*", "+", "?", "*?", "+?", "??", "{2,3}"])

def main():
    cases = []
    for pattern, inputs in HAND:
        if not compiles(pattern) or not inputs:
            cases.append({"pattern": pattern, "compiles": compiles(pattern)})
            continue
        for text in inputs:
            cases.append({"pattern": pattern, "input": text, "slots": slots(pattern, text)})
    rng = random.Random(20261206)
    for _ in range(1500):
        pattern = random_pattern(rng)
        if not compiles(pattern):
            continue
        text = "".join(rng.choice("abc \n") for _ in range(rng.randint(0, 8)))
        cases.append({"pattern": pattern, "input": text, "slots": slots(pattern, text)})
    json.dump(cases, sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")

main()
