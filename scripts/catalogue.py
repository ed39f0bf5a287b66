"""The Danish catalogue, kept with Babel: extract, update, compile and check.

    python scripts/catalogue.py extract    # ipsung/locale/ipsung.pot from the code
    python scripts/catalogue.py update     # merge the .pot into the Danish .po
    python scripts/catalogue.py compile    # the .mo that ships inside the package
    python scripts/catalogue.py check      # exit 1: a message untranslated, fuzzy or stale

The same with Babel's own command line (babel.cfg names the extractor below):

    PYTHONPATH=. pybabel extract -F babel.cfg -o ipsung/locale/ipsung.pot .
    pybabel update -i ipsung/locale/ipsung.pot -d ipsung/locale -D ipsung -l da
    pybabel compile -d ipsung/locale -D ipsung -l da

What is extracted: every `_("…")`, `N_("…")` and `M_("…", …)` (see ipsung/i18n.py), every
plain `help="…"` of an option or argument, and the docstring of every command (a function
under `….command(…)` or `….callback(…)`), which typer shows as its help, cleaned as typer
cleans it (inspect.cleandoc).
"""

import ast
import inspect
import sys
from pathlib import Path

from babel.messages import Catalog
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "ipsung" / "locale"
POT = LOCALE / "ipsung.pot"
PO = LOCALE / "da" / "LC_MESSAGES" / "ipsung.po"
MO = LOCALE / "da" / "LC_MESSAGES" / "ipsung.mo"
# The markers (ipsung/i18n.py) and how many leading arguments are the text.
KEYWORDS = {"_": 1, "N_": 1, "M_": 1, "ngettext": 2}
HELP_DECORATORS = ("command", "callback")


def extract_ipsung(fileobj, keywords, comment_tags, options):
    """Babel's extraction method for ipsung, read from the syntax tree (Babel's own Python
    extractor reads tokens, and misses a `_()` inside an f-string): every marker called on
    literal text, every `help="…"` of an option, and the docstrings typer turns into the
    help of each command."""
    for node in ast.walk(ast.parse(fileobj.read())):
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr in HELP_DECORATORS
            for d in node.decorator_list
        ):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.lineno, None, inspect.cleandoc(doc), ["help of a command"]
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
                texts = [_text(a) for a in node.args[: KEYWORDS[node.func.id]]]
                if texts and all(texts):  # `_(variable)` has no text (a test forbids it)
                    message = texts[0] if len(texts) == 1 else tuple(texts)
                    # no function name: the message is final (Babel would look it up in -k)
                    yield node.lineno, None, message, []
            for keyword in node.keywords:
                if keyword.arg == "help" and _text(keyword.value):
                    yield keyword.value.lineno, None, keyword.value.value, ["help of an option"]


def _text(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract() -> Catalog:
    """Every message of the code, with where it stands."""
    catalog = Catalog(project="ipsung", domain="ipsung", charset="utf-8")
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    files = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py"))
    for pattern, _method in method_map:  # one method: extract_ipsung (babel.cfg names it)
        for path in (ROOT / f for f in files if pathmatch(pattern, f)):
            with open(path, "rb") as fileobj:
                found = extract_ipsung(fileobj, KEYWORDS, (), options_map.get(pattern, {}))
                for lineno, _func, message, comments in found:
                    location = (str(path.relative_to(ROOT)), lineno)
                    catalog.add(message, locations=[location], auto_comments=comments)
    return catalog


def danish() -> Catalog:
    with open(PO, "rb") as f:
        return read_po(f, locale="da", domain="ipsung")


def _key(text):
    """A text, or a plural message's forms (a list from a .mo, a tuple from a .po)."""
    return tuple(text) if isinstance(text, (list, tuple)) else text


def problems(code: Catalog, po: Catalog) -> list[str]:
    """What keeps the catalogue from being complete and current."""
    found = []
    for message in code:
        if not message.id:
            continue
        entry = po.get(message.id)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else None
        if entry is None or not (all(strings) if strings else entry.string):
            found.append(f"no Danish for: {message.id!r}")
        elif entry.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
    if MO.exists():
        with open(MO, "rb") as f:
            shipped = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
        wanted = {_key(m.id): _key(m.string) for m in po if m.id and m.string and not m.fuzzy}
        if shipped != wanted:
            found.append(f"{MO.relative_to(ROOT)} is older than the .po: run compile")
    else:
        found.append(f"{MO.relative_to(ROOT)} is missing: run compile")
    return found


def main(verb: str) -> int:
    if verb == "extract":
        with open(POT, "wb") as f:
            write_po(f, extract(), width=100, omit_header=False)
    elif verb == "update":
        code = extract()
        po = danish() if PO.exists() else Catalog(locale="da", domain="ipsung")
        po.update(code, no_fuzzy_matching=True)
        PO.parent.mkdir(parents=True, exist_ok=True)
        with open(PO, "wb") as f:
            write_po(f, po, width=100, ignore_obsolete=True)
    elif verb == "compile":
        with open(MO, "wb") as f:
            write_mo(f, danish())
    elif verb == "check":
        found = problems(extract(), danish())
        for line in found:
            print(line)
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
