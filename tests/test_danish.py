"""ipsung in Danish (SPEC §2, issue 15): which language is spoken and why, every word said
in it, a catalogue with nothing missing, Danish words accepted wherever a code is typed,
and a machine contract (JSON, CSV, exit codes) that is the same in both languages."""

import ast
import ctypes
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from conftest import CLI_ENV, ELIGIBLE, TODAY_ISO, as_json, invoke, ok, process_env, run_installed

from ipsung import i18n, vocabulary
from ipsung.store import platform

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE_VARIABLES = ("IPSUNG_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def no_language(monkeypatch):
    """No language named anywhere, and not on Windows: a test names the one it needs."""
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(platform, "on_windows", lambda: False)
    return monkeypatch


def danish(*args, input: str | None = None):
    """The CLI on the test's database, in Danish by IPSUNG_LANG."""
    return invoke(*args, input=input, env={"IPSUNG_LANG": "da"})


# --- which language, and why --------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, ("en", "default")),
        ({"LANG": "da_DK.UTF-8"}, ("da", "LANG")),
        ({"LANG": "da_DK.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, ("en", "LC_MESSAGES")),
        ({"LC_MESSAGES": "en_GB.UTF-8", "LC_ALL": "da_DK.UTF-8"}, ("da", "LC_ALL")),
        ({"LC_ALL": "C", "LANGUAGE": "da:en"}, ("da", "LANGUAGE")),
        ({"LANGUAGE": "en_US:da", "LANG": "da_DK"}, ("en", "LANGUAGE")),
        ({"LANGUAGE": "da", "IPSUNG_LANG": "en"}, ("en", "IPSUNG_LANG")),
        ({"LANG": "C"}, ("en", "LANG")),
        ({"LANG": ""}, ("en", "default")),
    ],
)
def test_the_language_comes_from_the_first_variable_that_names_one(
    no_language, variables, expected
):
    for name, value in variables.items():
        no_language.setenv(name, value)
    assert i18n.choose() == expected


def test_lang_overrides_every_variable(no_language):
    no_language.setenv("IPSUNG_LANG", "en")
    no_language.setenv("LANG", "en_US.UTF-8")
    assert i18n.choose("da") == ("da", "--lang")


class FakeKernel32:
    def __init__(self, langid: int):
        self.langid = langid

    def GetUserDefaultUILanguage(self) -> int:  # noqa: N802 - the Windows API's name
        return self.langid


class FakeWindll:
    def __init__(self, langid: int):
        self.kernel32 = FakeKernel32(langid)


@pytest.mark.parametrize(("langid", "expected"), [(0x0406, "da"), (0x0409, "en")])
def test_on_windows_without_a_variable_the_display_language_decides(no_language, langid, expected):
    """Windows is simulated: the real code asks ctypes.windll, here a stand-in that answers
    with a LANGID (0x0406 Danish - Denmark, 0x0409 English - United States)."""
    no_language.setattr(platform, "on_windows", lambda: True)
    no_language.setattr(ctypes, "windll", FakeWindll(langid), raising=False)
    assert i18n.choose(None, platform.interface_language) == (expected, "Windows")
    no_language.setenv("LANG", "en_US.UTF-8")  # a variable still comes first
    assert i18n.choose(None, platform.interface_language) == ("en", "LANG")


def test_windows_danish_through_the_cli(env, no_language):
    no_language.setattr(platform, "on_windows", lambda: True)
    no_language.setattr(ctypes, "windll", FakeWindll(0x0406), raising=False)
    result = ok(invoke("info"))
    assert "Sprog: dansk (valgt af Windows)" in result.stdout


def test_info_says_the_language_and_why(env, no_language):
    no_language.setenv("LANG", "da_DK.UTF-8")
    assert "Sprog: dansk (valgt af LANG)" in ok(invoke("info")).stdout
    assert as_json(invoke("info", "--json"))["language"] == {"code": "da", "source": "LANG"}
    english = ok(invoke("--lang", "en", "info")).stdout
    assert "Language: English (chosen by --lang)" in english
    no_language.delenv("LANG")
    assert "Language: English (chosen by the default)" in ok(invoke("info")).stdout


@pytest.mark.parametrize("given", [["--lang", "de"], ["--lang=xx"], ["--lang"]])
def test_an_unknown_language_is_refused_before_anything_runs(env, given):
    result = invoke(*given, "consultant", "add", "Mette Holm")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --lang: ") and result.stderr.count("\n") == 1
    assert as_json(invoke("consultant", "list", "--json")) == []


# --- every word ---------------------------------------------------------------------------


def test_help_and_clicks_own_words_in_danish(env):
    page = ok(danish("--help")).stdout
    for words in ("Brug: ipsung", "Tilvalg:", "Kommandoer:", "Vis denne hjælp og afslut."):
        assert words in page
    assert "Usage:" not in page and "Options:" not in page
    page = ok(danish("log-contact", "--help")).stdout
    assert "Argumenter:" in page
    # the choices in the language's own words, the default said as a Danish word too
    assert "fremmøde (standard), telefon, video, sms, mail" in page
    assert "ung, trepartssamtale, arbejdsgiver" in page


def test_the_same_command_tree_speaks_both_languages_in_turn(env):
    """The command is built once per process (as the tests cache it): the language of one
    call must not stay in the help of the next."""
    assert "Tilvalg:" in ok(danish("close", "--help")).stdout
    english = ok(invoke("close", "--help")).stdout
    assert "Options:" in english and "goal-reached, declined" in english
    assert "Tilvalg:" in ok(invoke("--lang", "da", "close", "--help")).stdout


@pytest.mark.parametrize(
    ("args", "danish_words"),
    [
        (["intke"], "Ukendt kommando 'intke'. Mente du 'intake'?"),
        (["consultant", "ad"], "Ukendt kommando 'ad'."),
        (["list", "--bogus"], "Ukendt tilvalg: --bogus"),
        (["consultant", "add"], "Mangler argument 'NAME'"),
        (["placement", "add", "1", "--start", "01-11-2026"], "Mangler tilvalg '--kind'"),
        (["demo", "--participants", "mange"], "'mange' er ikke et heltal"),
        (["list", "--status", "lukket"], "'lukket' er ikke blandt aktiv, venteliste, afsluttet"),
    ],
)
def test_usage_errors_in_danish(env, args, danish_words):
    result = danish(*args)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith("Fejl: ") and "\n" not in line, result.stderr
    assert danish_words in line


def test_a_validation_error_and_a_warning_in_danish(env):
    ok(invoke("consultant", "add", "Mette Holm"))
    result = danish("log-contact", "--kind", "ung")
    assert result.exit_code == 2 and result.stderr.startswith("Fejl: ")
    result = danish("intake", "--name", "Emil Dam", "--birth-date", "14-03-2010", *ELIGIBLE)
    ok(result)
    assert result.stdout.startswith("Forløb 1 optaget: Mette Holm, spor ips-lignende")
    closed = danish("close", "1", "--reason", "mål-nået")
    ok(closed)
    assert closed.stderr.startswith("Advarsel: ")


def test_tables_and_the_due_list_in_danish(env):
    ok(invoke("consultant", "add", "Mette Holm"))
    ok(invoke("intake", "--name", "Emil Dam", "--birth-date", "14-03-2010",
              "--referral-date", "02-11-2026", *ELIGIBLE))  # fmt: skip
    listing = ok(danish("list")).stdout
    assert "navn" in listing and "Emil Dam" in listing
    due = ok(danish("due")).stdout
    assert "ingen kontakt med den unge siden indskrivningen" in due
    english = ok(invoke("due")).stdout
    assert "no youth contact since enrolment" in english


def test_the_committee_report_is_danish_with_danish_numbers(env, tmp_path):
    ok(invoke("demo", "--participants", "40", "--seed", "1"))
    page = ok(danish("report", "--out", str(tmp_path / "r.html"))) and (
        tmp_path / "r.html"
    ).read_text(encoding="utf-8")
    assert '<html lang="da">' in page
    assert "IPS Ung: status til udvalget" in page
    outcomes = as_json(invoke("outcomes", "--json"))
    share = outcomes["share"]
    assert share is not None and 0 < share < 1
    # the share the page leads with, as Danish writes it: a decimal comma, a space, %
    text = ok(danish("outcomes")).stdout
    assert f"{share * 100:.1f} %".replace(".", ",") in text
    english_page = ok(invoke("report", "--out", str(tmp_path / "e.html"))) and (
        tmp_path / "e.html"
    ).read_text(encoding="utf-8")
    assert '<html lang="en">' in english_page


def test_numbers_as_each_language_writes_them():
    i18n.activate("da", "test")
    assert (i18n.percent(0.385), i18n.decimal(12.5, None), i18n.decimal(3.0, None)) == (
        "38,5 %",
        "12,5",
        "3",
    )
    i18n.activate("en", "test")
    assert (i18n.percent(0.385), i18n.decimal(12.5, None)) == ("38.5 %", "12.5")


# --- the catalogue ---------------------------------------------------------------------------


def _catalogue_script():
    spec = importlib.util.spec_from_file_location("catalogue", ROOT / "scripts" / "catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_of_the_code_has_danish_and_the_shipped_catalogue_is_current():
    catalogue = _catalogue_script()
    code = catalogue.extract()
    assert len(code) > 500  # the extraction found the messages (a broken one finds none)
    assert catalogue.problems(code, catalogue.danish()) == []


def test_the_check_finds_a_missing_translation_and_a_fuzzy_one():
    """The check above can fail: a message without Danish, and a fuzzy one, are reported."""
    catalogue = _catalogue_script()
    code, po = catalogue.extract(), catalogue.danish()
    first, second = [m for m in code if m.id][:2]
    po.delete(first.id)
    po[second.id].flags.add("fuzzy")
    found = catalogue.problems(code, po)
    assert any(repr(first.id) in line and "no Danish" in line for line in found)
    assert any(repr(second.id) in line and "fuzzy" in line for line in found)


def test_translations_keep_every_placeholder():
    """A translation that drops or renames a {value} would fail (or say less) at run time."""
    import re

    placeholder = re.compile(r"\{[^{}]*\}")
    po = _catalogue_script().danish()
    # The one translation that leaves a value out on purpose: the Danish help lists the
    # Danish words of the signs already, so it does not name them a second time.
    dropped = {"Sign of mistrivsel: {choices} (or {danish}; repeatable)."}
    for message in po:
        if not message.id or message.id in dropped:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(placeholder.findall(ids[-1])))
        for string in strings:
            assert sorted(set(placeholder.findall(string))) == wanted, message.id


def test_no_underscore_call_on_anything_but_a_literal_text():
    """Extraction reads `_("…")`; `_(variable)` would be a text it never sees. Texts marked
    elsewhere are said with i18n.translate."""
    found = []
    for path in sorted((ROOT / "ipsung").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_", "M_", "ngettext")
                and node.args
                and not all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str)
                    for a in node.args[: 2 if node.func.id == "ngettext" else 1]
                )
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_the_installed_command_speaks_danish(tmp_path):
    """`pip install .` ships the compiled catalogue: the installed command finds it."""
    env = {**process_env(tmp_path), "IPSUNG_LANG": "da"}
    result = run_installed(env, "--help")
    assert result.returncode == 0 and "Brug: ipsung" in result.stdout


# --- Danish words typed -------------------------------------------------------------------


def test_danish_words_are_taken_wherever_a_code_is_typed(env):
    ok(invoke("consultant", "add", "Mette Holm"))
    ok(invoke("intake", "--name", "Emil Dam", "--birth-date", "14-03-2010",
              "--referral-date", "02-11-2026", "--referred-by", "psykiatri",
              "--mistrivsel", "fravær", "--substance", "A", "--motivated",
              "--normal-cognition", "--pathway", "jobudvikling"))  # fmt: skip
    ok(invoke("log-contact", "1", "--kind", "trepartssamtale", "--channel", "telefon"))
    ok(invoke("log-contact", "1", "--kind", "Arbejdsgiver", "--channel", "FREMMØDE",
              "--employer", "Bager Nielsen"))  # fmt: skip
    ok(invoke("placement", "add", "1", "--kind", "lærling", "--start", "16-11-2026"))
    case = as_json(invoke("show", "1", "--json"))
    assert (case["referred_by"], case["pathway"]) == ("psychiatry", "job-development")
    assert [(c["kind"], c["channel"]) for c in case["contacts"]] == [
        ("three-party", "phone"),
        ("employer", "in-person"),
    ]
    assert [p["kind"] for p in case["placements"]] == ["apprenticeship"]
    assert as_json(invoke("list", "--status", "alle", "--json"))[0]["id"] == 1
    ok(invoke("close", "1", "--reason", "mål-nået"))
    assert as_json(invoke("show", "1", "--json"))["close_reason"] == "goal-reached"
    assert ok(invoke("export", "kontakter")).stdout.startswith("contact,person,")


@pytest.mark.parametrize(("answer", "meaning"), [("j", True), ("Ja", True), ("n", False),
                                                 ("NEJ", False), ("y", True), ("no", False)])  # fmt: skip
def test_yes_and_no_in_both_languages(answer, meaning):
    assert vocabulary.parse_yes_no(answer) is meaning


def test_completion_offers_the_danish_words_in_danish():
    from ipsung.commands import completion

    complete = completion.choices(vocabulary.CONTACT_KINDS)
    i18n.activate("da", "test")
    assert complete("tre") == ["trepartssamtale"]
    assert complete("") == list(vocabulary.words_for(vocabulary.CONTACT_KINDS).values())
    i18n.activate("en", "test")
    assert complete("thr") == ["three-party"]


# --- the machine contract ---------------------------------------------------------------------

SCREEN = ["screen", "--birth-date", "14-03-2010", "--mistrivsel", "absence", "--motivated",
          "--normal-cognition"]  # fmt: skip
# Every command with a document for scripts, a refusal (exit 1) and a usage error (exit 2);
# writes too, each run on its own copy of the same database.
CONTRACT = [
    [*SCREEN, "--substance", "A", "--json"],
    [*SCREEN, "--substance", "E", "--json"],
    ["screen", "--birth-date", "14-03-2000", "--substance", "A", "--json"],
    ["list", "--json"],
    ["list", "--status", "all", "--json"],
    ["show", "3", "--json"],
    ["due", "--json"],
    ["capacity", "--json"],
    ["consultant", "list", "--json"],
    ["outcomes", "--json", "--quarterly"],
    ["outcomes", "--by", "pathway", "--json"],
    ["outcomes", "--min-followup", "6", "--json"],
    ["fidelity", "--json"],
    ["fidelity", "items", "--json"],
    ["check", "--json"],
    ["export", "all", "--out", "{folder}"],
    ["export", "contacts", "--dialect", "excel-dk"],
    ["log-contact", "3", "--kind", "youth", "--json"],
    ["placement", "add", "5", "--kind", "ordinary-job", "--start", "20-11-2026", "--json"],
    ["intake", "--name", "Ny Ung", "--birth-date", "01-01-2010", *ELIGIBLE, "--json"],
    ["list", "--sort", "nonsense", "--json"],
    ["log-contact", "3", "--kind", "youth", "--date", "31-02-2026", "--json"],
    ["fidelity", "score", "vocational-unit", "9"],
]


def _contract_outputs(folder: Path, language: str, template: Path) -> list:
    database = folder / "ipsung.db"
    shutil.copytree(template, folder)
    results = []
    for args in CONTRACT:
        args = [a.format(folder=folder / "export") for a in args]
        result = invoke(*args, env={**CLI_ENV, "IPSUNG_DB": str(database), "IPSUNG_LANG": language})
        assert "Traceback" not in result.output
        results.append((args[:2], result.exit_code, result.stdout))
    files = {p.name: p.read_bytes() for p in sorted((folder / "export").iterdir())}
    return [*results, files]


def test_json_csv_and_exit_codes_are_the_same_in_danish_and_english(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    demo_env = {**CLI_ENV, "IPSUNG_DB": str(template / "ipsung.db"), "IPSUNG_TODAY": TODAY_ISO}
    ok(invoke("demo", "--participants", "40", "--seed", "3", env=demo_env))
    ok(invoke("export", "contacts", env=demo_env))  # the pseudonym key, shared by both copies
    english = _contract_outputs(tmp_path / "en", "en", template)
    danish_ = _contract_outputs(tmp_path / "da", "da", template)
    # the list exercised what it should: documents, a refusal, usage errors, CSV files
    codes = [code for _args, code, _out in english[:-1]]
    assert {0, 1, 2} <= set(codes)
    assert len(english[-1]) == len(vocabulary.EXPORT_TABLES)
    for (args, code_en, out_en), (_args, code_da, out_da) in zip(
        english[:-1], danish_[:-1], strict=True
    ):
        assert (code_da, out_da) == (code_en, out_en), args
    assert danish_[-1] == english[-1]
    # and the documents hold sentences: what would differ if they were said in Danish
    screened = json.loads(english[1][2])
    assert "severe use is outside the target group" in screened["criteria"][2]["reason"]
