"""Each fixed list is defined once (ipsung/vocabulary.py): help texts, the export's tables
and dialects, and the yes/no words of prompts and imports all come from it."""

import re

import pytest

from ipsung import vocabulary
from ipsung.errors import BadInput
from ipsung.usecases import csv_tables


def test_the_export_tables_and_dialects_are_the_vocabulary_s():
    assert tuple(csv_tables.TABLES) == vocabulary.EXPORT_TABLES
    assert tuple(csv_tables.DIALECTS) == vocabulary.DIALECTS


@pytest.mark.parametrize(
    "command, choices",
    [
        (["log-contact"], vocabulary.CONTACT_KINDS + vocabulary.CHANNELS),
        (["placement", "add"], vocabulary.PLACEMENT_KINDS),
        (["close"], vocabulary.CLOSE_REASONS),
        (["intake"], vocabulary.PATHWAYS + vocabulary.referral_sources()),
        (["screen"], vocabulary.mistrivsel_signs()),
        (["export"], vocabulary.EXPORT_TABLES + vocabulary.DIALECTS),
    ],
)
def test_help_lists_every_choice(run, command, choices):
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    # Help wraps lines, also after a hyphen inside a code.
    flat = re.sub(r"-\s+", "-", " ".join(result.output.split()))
    missing = [c for c in choices if c not in flat]
    assert not missing, (missing, result.output)


@pytest.mark.parametrize("word", ["y", "yes", "J", "ja", "true", "1", " Ja "])
def test_yes_words(word):
    assert vocabulary.parse_yes_no(word) is True


@pytest.mark.parametrize("word", ["n", "no", "NEJ", "false", "0"])
def test_no_words(word):
    assert vocabulary.parse_yes_no(word) is False


@pytest.mark.parametrize("word", ["maybe", "", "jo", "2"])
def test_other_words_are_neither(word):
    with pytest.raises(BadInput):
        vocabulary.parse_yes_no(word)
