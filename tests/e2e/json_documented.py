#!/usr/bin/env python3
"""json_documented.py MAN SECTION < JSON: every field of the JSON documents
on stdin (one, or several one after the other as stats --watch prints them)
is named in bold in subsection SECTION (.SS) of MAN's JSON section: scripts
parse xdpcastctl --json, so a field the code emits and the page does not
describe fails. Names that are data, not fields, are checked by where they
are: the counter reasons of stats against COUNTERS, its interfaces'
names not at all (their values must be plain numbers)."""
import json
import re
import sys

# Objects whose keys are names, by their path (* for any such name, []
# for an array's elements): the .SH section that must name each in bold,
# or None for names that are the PoP's own (its interfaces).
KEYED = {"stats": {(): "COUNTERS", ("*", "interfaces"): None}}
# Objects a section describes as another section's (answers: one lookup
# object each; drain: each prefix as status's bgp.prefixes): checked there.
ELSEWHERE = {"answers": {("answers", "[]"): "lookup"},
             "drain, undrain, withdraw": {("prefixes", "[]"): "status"}}


def arguments(text):
    """A macro line's arguments, as groff splits them: at spaces, but
    within double quotes ("" in them is a quote)."""
    return [plain or quoted.replace('""', '"') for quoted, plain in re.findall(r'"((?:[^"]|"")*)"?|(\S+)', text)]


def bold_words(lines):
    """The words set in bold by .B, .BR/.BI (odd arguments), .RB/.IB (even
    ones) and \\fB...\\f? in these man source lines."""
    bold = []
    for line in lines:
        line = line.replace("\\%", "").replace("\\&", "").replace("\\-", "-")
        bold += re.findall(r"\\fB(.*?)(?:\\f[RPI]|$)", line)
        macro, _, rest = line.partition(" ")
        args = arguments(rest) if macro.startswith(".") else []
        if macro == ".B":
            bold += args
        elif macro in (".BR", ".BI"):
            bold += args[0::2]
        elif macro in (".RB", ".IB"):
            bold += args[1::2]
    return {word for text in bold for word in re.findall(r"[A-Za-z0-9_]+", text)}


def section(man, heading, subsection=None):
    """The lines of .SH heading, or of its .SS subsection."""
    lines, inside, inside_ss = [], False, subsection is None
    for line in man:
        if line.startswith(".SH "):
            inside = line[4:].strip().strip('"') == heading
            continue
        if inside and subsection is not None and line.startswith(".SS "):
            inside_ss = line[4:].strip().strip('"') == subsection
            continue
        if inside and inside_ss:
            lines.append(line)
    if not lines:
        sys.exit("%s: no section %s%s" % (sys.argv[1], heading, subsection and " / " + subsection or ""))
    return lines


def main():
    man = open(sys.argv[1], encoding="utf-8").read().splitlines()
    name = sys.argv[2]
    fields = {}         # section -> its bold words, read when first needed

    def documented(where):
        if where not in fields:
            fields[where] = bold_words(section(man, where) if where == "COUNTERS" else section(man, "JSON", where))
        return fields[where]

    missing = set()

    def walk(value, path, shown, where):
        if isinstance(value, list):
            for item in value:
                walk(item, path + ("[]",), shown.rstrip(".") + "[].", where)
            return
        if not isinstance(value, dict):
            return
        where = ELSEWHERE.get(name, {}).get(path, where)
        keyed = KEYED.get(name, {})
        for key, item in value.items():
            if path in keyed:
                names_in = keyed[path]
                if names_in and key not in documented(names_in):
                    missing.add("%s%s (a name: not under %s)" % (shown, key, names_in))
                if names_in is None and isinstance(item, (dict, list)):
                    missing.add("%s%s (a name, its value not a number)" % (shown, key))
                walk(item, path + ("*",), shown + key + ".", where)
            else:
                if key not in documented(where):
                    missing.add("%s%s (not in bold under JSON, %s)" % (shown, key, where))
                walk(item, path + (key,), shown + key + ".", where)

    text, decoder, at, documents = sys.stdin.read(), json.JSONDecoder(), 0, 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        value, at = decoder.raw_decode(text, at)
        # xdpcastctl's error reply ({"error": ...}) is no SECTION document:
        # its "error" is a bold word of many sections (status's checks).
        if name != "Errors" and isinstance(value, dict) and "error" in value and set(value) <= {"ok", "error"}:
            sys.exit("%s: an error reply, not its document: %s" % (name, json.dumps(value)))
        walk(value, (), "", name)
        documents += 1
    if not documents:
        sys.exit("%s: no JSON document on stdin" % name)
    if missing:
        sys.exit("%s --json: fields not described in %s: %s" % (name, sys.argv[1], ", ".join(sorted(missing))))


main()
