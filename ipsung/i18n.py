"""Every word a person reads, in their language: Danish when the user's language is Danish,
English otherwise (SPEC §2).

The language comes from `--lang` (cli.py reads it before anything is printed), then
`IPSUNG_LANG`, then the usual `LANGUAGE`, `LC_ALL`, `LC_MESSAGES` and `LANG`, then on
Windows the user's interface language. The catalogue is gettext's, kept with Babel
(scripts/catalogue.py): the English text is the message id, and
`ipsung/locale/da/LC_MESSAGES/ipsung.mo` ships inside the package.

Three markers, all read by the catalogue's extraction (`translate` says a marked text later):
- `_("…")` translates now, into the active language;
- `N_("…")` only marks a text whose translation is looked up later (help texts: the CLI
  translates the whole command tree once the language is known);
- `M_("…", **values)` is a Message: a text with its values, said in the active language
  when printed for a person, and in English (its message id) in a JSON document, so that
  the machine contract never changes with the language.
"""

import gettext
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("da", "en")
DEFAULT = "en"
LOCALE = Path(__file__).parent / "locale"
ENVIRONMENT = ("IPSUNG_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


class _State:
    language: str = DEFAULT
    source: str = "default"
    translation: gettext.NullTranslations = gettext.NullTranslations()


_state = _State()
_catalogues: dict[str, gettext.NullTranslations] = {}


def language_of(value: str) -> str | None:
    """`da`, `da_DK.UTF-8`, `da-DK`, `Danish` → da; `en…`, `C`, `POSIX` → en; else None."""
    tag = value.strip().lower()
    if not tag:
        return None
    if tag.startswith(("da", "danish", "dansk")):
        return "da"
    return "en"


def choose(
    option: str | None = None, windows: Callable[[], str | None] | None = None
) -> tuple[str, str]:
    """The language to speak and where that choice came from. `windows` asks Windows for
    the user's interface language (store/platform.py: what differs on Windows lives there)."""
    if option is not None:
        return option, "--lang"
    for name in ENVIRONMENT:
        value = os.environ.get(name, "")
        # LANGUAGE is a list of preferences: the first one decides.
        found = language_of(value.split(":")[0]) if value else None
        if found:
            return found, name
    found = windows() if windows else None
    if found:
        return found, "Windows"
    return DEFAULT, "default"


def activate(language: str, source: str) -> None:
    if language not in _catalogues:
        _catalogues[language] = gettext.translation(
            "ipsung", localedir=LOCALE, languages=[language], fallback=True
        )
    _state.language, _state.source = language, source
    _state.translation = _catalogues[language]


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Say what is made inside in `language`, then go back (a JSON document's sentences
    are English in every language)."""
    before = (_state.language, _state.source)
    activate(language, before[1])
    try:
        yield
    finally:
        activate(*before)


def active() -> tuple[str, str]:
    """The language in use and why (`ipsung info` shows it)."""
    return _state.language, _state.source


def _(message: str) -> str:
    """A text in the active language; always called on the text itself, so that the
    catalogue's extraction sees it (a test holds the code to that)."""
    return _state.translation.gettext(message)


def translate(message_id: str) -> str:
    """A text marked elsewhere (N_, M_, a command's docstring) said in the active language:
    for the code that says texts it did not write (Message, the CLI's help)."""
    return _state.translation.gettext(message_id)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for a count: `ngettext("{n} task", "{n} tasks", n)`."""
    return _state.translation.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for the marker
    """Marks a text for the catalogue without translating it now (see the module's notes)."""
    return message


class Message:
    """A text and its values: said in the active language by str(), in English by
    english() (the message id itself), so that JSON documents do not change with the
    language. Values may be Messages too."""

    __slots__ = ("text", "values")

    def __init__(self, text: str, **values) -> None:
        self.text = text
        self.values = values

    def __str__(self) -> str:
        values = {k: str(v) if isinstance(v, Message) else v for k, v in self.values.items()}
        return translate(self.text).format(**values)

    def __format__(self, spec: str) -> str:  # f"{message:<40}" pads the words said
        return format(str(self), spec)

    def english(self) -> str:
        values = {k: v.english() if isinstance(v, Message) else v for k, v in self.values.items()}
        return self.text.format(**values)

    def __eq__(self, other) -> bool:
        if isinstance(other, Message):
            return (self.text, self.values) == (other.text, other.values)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Message({self.english()!r})"


def M_(text: str, **values) -> Message:  # noqa: N802 - a marker, as _ and N_
    return Message(text, **values)


def decimal(value: float, digits: int | None = 1) -> str:
    """A number as the language writes it: 38.5 in English, 38,5 in Danish (`digits`
    None: as few digits as the value needs, 12.5 or 12)."""
    text = f"{value:g}" if digits is None else f"{value:.{digits}f}"
    return text.replace(".", ",") if _state.language == "da" else text


def percent(share: float, digits: int = 1) -> str:
    """A share as a percentage the language writes: `38.5 %` in English (as ipsung always
    wrote it), `38,5 %` in Danish (Retskrivningsordbogen: a space before the sign)."""
    return f"{decimal(share * 100, digits)} %"


activate(*choose())
