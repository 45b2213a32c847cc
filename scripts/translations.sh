#!/usr/bin/env bash
# Updates the Qt translation sources resources/i18n/posclient_{zh_CN,en}.ts from the tr()
# strings in posclient/ui (pyside6-lupdate), then compiles them to .qm (pyside6-lrelease).
# New strings arrive "unfinished" in the Chinese file: translate them (Qt Linguist, or by hand)
# and run this again; tests/ui/test_translations.py fails while any is missing. The English
# file is the source text itself, filled in here.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${PYSIDE_BIN:-$(dirname "${PYTHON:-.venv/bin/python}")}"
[ -x "$BIN/pyside6-lupdate" ] || BIN="$(dirname "$(command -v pyside6-lupdate)")"
sources=(posclient/ui/*.py)
for lang in zh_CN en; do
    ts="resources/i18n/posclient_${lang}.ts"
    "$BIN/pyside6-lupdate" -silent -no-obsolete -locations none -target-language "$lang" \
        "${sources[@]}" -ts "$ts"
done
"$BIN/python" - <<'PY'
import xml.etree.ElementTree as ET
path = "resources/i18n/posclient_en.ts"
tree = ET.parse(path)
for message in tree.iter("message"):
    translation = message.find("translation")
    if translation.get("type") == "unfinished":
        translation.text = message.findtext("source")
        del translation.attrib["type"]
tree.write(path, encoding="utf-8", xml_declaration=True)
PY
for lang in zh_CN en; do
    "$BIN/pyside6-lrelease" -silent "resources/i18n/posclient_${lang}.ts" \
        -qm "resources/i18n/posclient_${lang}.qm"
done
echo "translations updated: $(ls resources/i18n/*.qm | tr '\n' ' ')"
