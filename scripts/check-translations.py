#!/usr/bin/env python3
"""Fails when a console text marked for translation has no English entry.

Every text the staff console shows is written in Bahasa Indonesia inside a translation call
(src/console/i18n.hpp): c.t("..."), t("..."), translate(lang, "..."), N_("...") or
not_here(c, "..."). Those literals (adjacent literals joined, as C++ does) are the keys of the
English table in src/console/english.cpp. This check fails when a key has no entry, when an
entry's {placeholders} differ from its key's, or when an entry is empty; it warns about
entries no code uses any more. scripts/test.sh runs it; so does ctest (check_translations).

  scripts/check-translations.py [--self-test]
"""
import pathlib
import re
import sys
import tempfile

LITERAL = r'"(?:[^"\\\n]|\\.)*"'
LITERALS = r'((?:' + LITERAL + r'\s*)+)'
CALL = re.compile(r'(?:\bt\(|\bN_\(|\btranslate\(\s*[\w.]+\s*,|\bnot_here\(\s*c\s*,)\s*' +
                  LITERALS + r'\s*[,)]')
ENTRY = re.compile(r'\{\s*' + LITERALS + r',\s*' + LITERALS + r'\}')
PLACEHOLDER = re.compile(r'\{(\w+)\}')


def joined(literals):
    out = []
    for lit in re.findall(LITERAL, literals):
        out.append(re.sub(r'\\(.)', r'\1', lit[1:-1]))
    return ''.join(out)


def strip_comments(code):
    # Line comments only outside literals: drop "//..." that is not inside quotes.
    lines = []
    for line in code.split('\n'):
        inside = False
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == '\\' and inside:
                i += 2
                continue
            if ch == '"':
                inside = not inside
            elif not inside and line.startswith('//', i):
                line = line[:i]
                break
            i += 1
        lines.append(line)
    return '\n'.join(lines)


def keys_in(sources):
    keys = {}
    for path in sources:
        code = strip_comments(path.read_text(encoding='utf-8'))
        for m in CALL.finditer(code):
            keys.setdefault(joined(m.group(1)), f'{path.name}:{code.count(chr(10), 0, m.start()) + 1}')
    return keys


def table_in(path):
    code = strip_comments(path.read_text(encoding='utf-8'))
    return {joined(m.group(1)): joined(m.group(2)) for m in ENTRY.finditer(code)}


def problems(keys, table):
    out = []
    for key, where in sorted(keys.items(), key=lambda kv: kv[1]):
        if key not in table:
            out.append(f'{where}: no English for "{key}"')
        elif not table[key]:
            out.append(f'{where}: empty English for "{key}"')
        elif sorted(PLACEHOLDER.findall(key)) != sorted(PLACEHOLDER.findall(table[key])):
            out.append(f'{where}: placeholders differ: "{key}" / "{table[key]}"')
    return out


def self_test():
    keys = {'Pesan {n}': 'x.cpp:1', 'Ada': 'x.cpp:2', 'Kosong': 'x.cpp:3'}
    table = {'Pesan {n}': 'Message {m}', 'Kosong': ''}
    found = problems(keys, table)
    assert len(found) == 3, found
    code = 'c.t("Satu " "dua"); t("Tiga \\"x\\"", {}); // t("Komentar")\nN_("Empat")'
    with tempfile.TemporaryDirectory() as folder:
        tmp = pathlib.Path(folder) / 'x.cpp'
        tmp.write_text(code, encoding='utf-8')
        got = set(keys_in([tmp]))
    assert got == {'Satu dua', 'Tiga "x"', 'Empat'}, got
    print('check-translations: self-test passed')


def main():
    if sys.argv[1:] == ['--self-test']:
        self_test()
        return 0
    root = pathlib.Path(__file__).resolve().parent.parent
    console = root / 'src' / 'console'
    english = console / 'english.cpp'
    sources = sorted(p for p in console.glob('*.cpp') if p != english)
    keys = keys_in(sources)
    table = table_in(english)
    found = problems(keys, table)
    for key in sorted(set(table) - set(keys)):
        print(f'check-translations: warning: english.cpp has "{key}", which no code uses')
    for p in found:
        print(f'check-translations: {p}', file=sys.stderr)
    if found:
        print(f'check-translations: {len(found)} of {len(keys)} texts lack a good English entry '
              '(src/console/english.cpp)', file=sys.stderr)
        return 1
    print(f'check-translations: all {len(keys)} console texts have English')
    return 0


if __name__ == '__main__':
    sys.exit(main())
