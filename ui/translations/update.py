#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Extracts the @tr() strings of ui/**/*.slint into zapbox.pot and brings every
<lang>/LC_MESSAGES/zapbox.po up to date (new strings added untranslated, gone ones dropped).

Slint's default translation context is the name of the component around the string, so each
entry carries it as msgctxt. Run from anywhere: python3 ui/translations/update.py
It exits 1 and lists them when a language lacks translations (CI uses --check)."""
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
UI = HERE.parent
COMPONENT = re.compile(r"\bcomponent\s+([A-Za-z_][\w-]*)")
TR = re.compile(r'@tr\(\s*"((?:[^"\\]|\\.)*)"')


def extract():
    found = {}
    for path in sorted(UI.rglob("*.slint")):
        text = path.read_text(encoding="utf-8")
        components = [(m.start(), m.group(1)) for m in COMPONENT.finditer(text)]
        for m in TR.finditer(text):
            context = [name for start, name in components if start < m.start()][-1]
            line = text.count("\n", 0, m.start()) + 1
            key = (context, m.group(1))
            found.setdefault(key, []).append(f"{path.relative_to(UI.parent)}:{line}")
    return found


def quote(s):
    return '"' + s + '"'


def read_po(path):
    entries, ctx, msgid = {}, None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgctxt "):
            ctx = line[8:].strip()[1:-1]
        elif line.startswith("msgid "):
            msgid = line[6:].strip()[1:-1]
        elif line.startswith("msgstr ") and msgid:
            entries[(ctx, msgid)] = line[7:].strip()[1:-1]
            ctx = msgid = None
    return entries


def write(path, found, translations, language):
    out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"']
    if language:
        out.append(f'"Language: {language}\\n"')
    for (ctx, msgid), places in sorted(found.items()):
        out += ["", "#: " + " ".join(places), "msgctxt " + quote(ctx), "msgid " + quote(msgid)]
        out.append("msgstr " + quote(translations.get((ctx, msgid), "")))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def main():
    check = "--check" in sys.argv
    found = extract()
    missing = []
    if not check:
        write(HERE / "zapbox.pot", found, {}, None)
    for po in sorted(HERE.glob("*/LC_MESSAGES/zapbox.po")):
        language = po.parts[-3]
        translations = read_po(po)
        if not check:
            write(po, found, translations, language)
        missing += [f"{language}: [{c}] {m}" for (c, m) in found if not translations.get((c, m))]
    print(f"{len(found)} strings")
    if missing:
        print("untranslated:\n  " + "\n  ".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
