"""Controlled vocabularies of the service ledger, read from versioned data (issue 16).

Each vocabulary is a YAML file in ``datasets/vocabularies/`` — ``event_types.yaml`` (服务类型),
``service_areas.yaml`` (服务领域), ``client_categories.yaml`` (对象类别), ``resource_kinds.yaml``
(资源类型) — holding, for every code stored in Parquet (the English terms of DOMAIN.md §2), its
display labels (zh, en), the official terms of the policy texts, the colloquial forms stations
write, and the sources they come from (ids of ``sources.yaml``). A label matches after folding
(:func:`fold_label`: NFKC, so full- and half-width forms are one; no white space; ASCII in lower
case); ``suffixes`` add the …户 / …家庭 / …对象 / …人员 forms of every term; a label listing several
terms of one code (``低保、低保户``) is that code. A profile extends a vocabulary with its
``value_maps`` (:meth:`Vocabulary.extended`).

The dicts :data:`EVENT_TYPES`, :data:`SERVICE_AREAS`, :data:`CLIENT_CATEGORIES` and
:data:`RESOURCE_KINDS` map each code's zh label (the standard template's drop-down entry) to the
code; :data:`LABELS_ZH` and :data:`LABELS_EN` map codes — and :data:`UNMAPPED`,
:data:`UNSPECIFIED` — to display labels.

Raises :class:`~shegong.errors.VocabularyError` naming the file, the key and the fix.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shegong import config
from shegong.errors import VocabularyError

SCHEMA_VERSION = 1
#: a breakdown label (service area, client category, resource kind) that maps to nothing: the
#: event is kept with this code and the label as written (shown as 未归类)
UNMAPPED = "unmapped"
#: a breakdown left blank (the indicators' disaggregation value for a null)
UNSPECIFIED = "unspecified"
#: ledger column → vocabulary file
FILES = {
    "event_type": "event_types.yaml",
    "service_area": "service_areas.yaml",
    "client_category": "client_categories.yaml",
    "resource_kind": "resource_kinds.yaml",
}
#: the columns whose unmapped labels keep their event (the others reject it)
BREAKDOWNS = ("service_area", "client_category", "resource_kind")
_KEYS = {"schema_version", "vocabulary", "version", "label", "suffixes", "terms"}
_TERM_KEYS = {"code", "label", "official", "colloquial", "sources"}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_EDGE = " \t.,;:。，；：、*·•-—_/"
_SPLIT = re.compile(r"[、，,/／;；+＋&]|及|和")


_WRAPPED = re.compile(r"^[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]$")


def fold_label(text: object) -> str:
    """A label as matched: NFKC (full-width → half-width), no white space, ASCII letters in lower
    case, without punctuation at either end or brackets around the whole (``“ 低保户 ”`` and
    ``（低保户）`` → ``低保户``)."""
    folded = "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()
    folded = folded.strip(_EDGE + "\"'“”‘’")
    wrapped = _WRAPPED.match(folded)
    return wrapped.group(1).strip(_EDGE) if wrapped else folded


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary with its labels, official and colloquial forms and sources."""

    code: str
    label_zh: str
    label_en: str
    official: tuple[str, ...] = ()
    colloquial: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """A validated vocabulary: ``column`` (the ledger column it codes), ``version``, ``terms`` in
    file order, and ``index`` (folded form → code) over labels, official and colloquial forms,
    their suffix forms and a profile's own labels."""

    column: str
    version: str
    source: str
    terms: tuple[Term, ...]
    suffixes: tuple[str, ...] = ()
    index: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def codes(self) -> tuple[str, ...]:
        """The vocabulary's codes, in the order of its terms."""
        return tuple(t.code for t in self.terms)

    def lookup(self, text: object) -> str | None:
        """The code of a label (or a code written as such), or None.

        A label listing several forms (separated by 、 , / ; 和 …) is their code when they all have
        the same one; forms of different codes are no match (never a guess)."""
        key = fold_label(text)
        if not key:
            return None
        hit = self.index.get(key)
        if hit is not None or key in self.codes:
            return hit or key
        parts = [p for p in (fold_label(x) for x in _SPLIT.split(key)) if p]
        if len(parts) > 1:
            codes = {self.index.get(p) for p in parts}
            if len(codes) == 1 and None not in codes:
                return codes.pop()
        return None

    def suggest(self, text: object) -> tuple[str | None, tuple[str, ...]]:
        """A suggested code for a label that :meth:`lookup` does not know, and the candidates
        when it names several (``低保、残疾人`` → ``(None, ("dibao", "disabled"))``). Suggestions
        are shown to the evaluator, never applied."""
        key = fold_label(text)
        parts = [p for p in (fold_label(x) for x in _SPLIT.split(key)) if p]
        if len(parts) > 1:
            found = tuple(dict.fromkeys(c for p in parts if (c := self.lookup(p)) is not None))
            if len(found) > 1:
                return None, found
            if len(found) == 1:
                return found[0], found
        inside = [(len(f), c) for f, c in self.index.items() if len(f) >= 2 and f in key]
        if inside:
            longest = max(n for n, _c in inside)
            codes = tuple(dict.fromkeys(c for n, c in inside if n == longest))
            return (codes[0], codes) if len(codes) == 1 else (None, codes)
        close = difflib.get_close_matches(key, list(self.index), n=1, cutoff=0.6)
        return (self.index[close[0]], (self.index[close[0]],)) if close else (None, ())

    def label(self, code: str | None, lang: str = "zh") -> str:
        """The display label of a code (未归类 / 未填 for :data:`UNMAPPED` /
        :data:`UNSPECIFIED`)."""
        return (LABELS_ZH if lang == "zh" else LABELS_EN).get(code or UNSPECIFIED, str(code))

    def extended(self, extra: dict[str, str]) -> Vocabulary:
        """This vocabulary with a profile's own labels (label → our label or code) added.

        Raises:
            VocabularyError: a target that is neither a label nor a code of this vocabulary.
        """
        index = dict(self.index)
        bad = []
        for own, target in extra.items():
            code = self.lookup(target)
            if code is None:
                bad.append(f"{own} → {target}")
            else:
                index[fold_label(own)] = code
        if bad:
            raise VocabularyError(
                f"value_maps.{self.column}: {', '.join(bad[:5])} — the target is not in "
                f"{self.source}: write one of {', '.join(t.label_zh for t in self.terms)}"
            )
        return Vocabulary(self.column, self.version, self.source, self.terms, self.suffixes, index)


def vocabularies_dir() -> Path:
    """``datasets/vocabularies`` of the checkout."""
    return config.project_root() / "datasets" / "vocabularies"


def _strings(raw: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        problems.append(f"{where}: not a list of words — write e.g. [低保户, 低保对象]")
        return ()
    return tuple(raw)


def _load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise VocabularyError(
            f"{path.name}: cannot read the YAML ({type(e).__name__}): fix its syntax"
        ) from e
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise VocabularyError(
            f"{path.name}: key schema_version: must be {SCHEMA_VERSION} — fix: set "
            "schema_version: 1"
        )
    return data


def source_ids(folder: Path | None = None) -> set[str]:
    """The ids of ``sources.yaml`` (every one with a title).

    Raises:
        VocabularyError: the file is missing, unreadable, or a source lacks ``id`` or ``title``.
    """
    data = _load_yaml((folder or vocabularies_dir()) / "sources.yaml")
    ids = set()
    for i, s in enumerate(data.get("sources") or []):
        if not isinstance(s, dict) or not s.get("id") or not s.get("title"):
            raise VocabularyError(f"sources.yaml: key sources[{i}]: needs id and title — add them")
        ids.add(str(s["id"]))
    return ids


def load_vocabulary(path: Path, column: str, known_sources: set[str]) -> Vocabulary:
    """Load and validate one vocabulary file, reporting every problem at once.

    Raises:
        VocabularyError: a wrong ``schema_version`` or ``vocabulary``, unknown keys, a term without
            a code or both labels, an unknown source id, or one form folded to two codes.
    """
    data = _load_yaml(path)
    problems: list[str] = []
    if data.get("vocabulary") != column:
        problems.append(f"key vocabulary: is {data.get('vocabulary')!r} — write {column}")
    for key in sorted(set(data) - _KEYS):
        problems.append(f"key {key}: unknown — use one of {', '.join(sorted(_KEYS))}")
    suffixes = _strings(data.get("suffixes"), "key suffixes", problems)
    terms: list[Term] = []
    explicit: dict[str, str] = {}
    generated: dict[str, set[str]] = {}
    for i, raw in enumerate(data.get("terms") or []):
        where = f"key terms[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not a mapping — write code:, label:, official:, colloquial:")
            continue
        for key in sorted(set(raw) - _TERM_KEYS):
            problems.append(f"{where}.{key}: unknown — use one of {', '.join(sorted(_TERM_KEYS))}")
        code, label = str(raw.get("code", "")), raw.get("label") or {}
        if not _CODE.match(code):
            problems.append(f"{where}.code: {code!r} — write a lower-case code such as dibao")
        if not (isinstance(label, dict) and label.get("zh") and label.get("en")):
            problems.append(f"{where}.label: needs zh and en — write {{zh: 低保, en: Dibao}}")
            label = {"zh": code, "en": code}
        for s in _strings(raw.get("sources"), f"{where}.sources", problems):
            if s not in known_sources:
                problems.append(f"{where}.sources: {s!r} is not in sources.yaml — add it there")
        term = Term(
            code,
            str(label["zh"]),
            str(label["en"]),
            _strings(raw.get("official"), f"{where}.official", problems),
            _strings(raw.get("colloquial"), f"{where}.colloquial", problems),
            _strings(raw.get("sources"), f"{where}.sources", []),
        )
        terms.append(term)
        for form in dict.fromkeys((term.label_zh, *term.official, *term.colloquial)):
            key = fold_label(form)
            if explicit.get(key, code) != code:
                problems.append(
                    f"{where}: {form!r} is also a form of {explicit[key]} — keep it in one term"
                )
            explicit[key] = code
            for suffix in suffixes:
                generated.setdefault(key + fold_label(suffix), set()).add(code)
    index = dict(explicit)
    for key, codes in generated.items():
        if key in explicit:
            if explicit[key] not in codes:  # written out for one code, a suffix form of another
                where = next(
                    f"key terms[{i}]" for i, t in enumerate(terms) if t.code == explicit[key]
                )
                stem = next(
                    (f for f in explicit if any(key == f + fold_label(x) for x in suffixes)), key
                )
                problems.append(
                    f"{where}: {key!r} is also a form of {min(codes)} "
                    f"({stem} + {key[len(stem) :]}) — keep it in one term"
                )
            continue  # a form written out of the same code
        if len(codes) > 1:
            problems.append(
                f"key suffixes: {key!r} would mean {' and '.join(sorted(codes))} — "
                "list it under one term"
            )
        index[key] = min(codes)
    if not terms and not problems:
        problems.append("key terms: empty — list at least one term")
    if problems:
        raise VocabularyError(f"{path.name}: " + "; ".join(problems))
    return Vocabulary(
        column, str(data.get("version", "")), path.name, tuple(terms), suffixes, index
    )


def load_vocabularies(folder: Path | None = None) -> dict[str, Vocabulary]:
    """Every vocabulary of :data:`FILES` from ``folder`` (default ``datasets/vocabularies``).

    Raises:
        VocabularyError: as :func:`load_vocabulary`; a file that is missing.
    """
    folder = folder or vocabularies_dir()
    known = source_ids(folder)
    out = {}
    for column, name in FILES.items():
        path = folder / name
        if not path.is_file():
            raise VocabularyError(f"{name}: missing from {folder} — restore it from the repository")
        out[column] = load_vocabulary(path, column, known)
    return out


VOCABULARIES: dict[str, Vocabulary] = load_vocabularies()


def _canonical(column: str) -> dict[str, str]:
    return {t.label_zh: t.code for t in VOCABULARIES[column].terms}


#: 服务类型 → event_type (zh label → code; the standard template's drop-down)
EVENT_TYPES: dict[str, str] = _canonical("event_type")
#: 服务领域 → service_area: the five service areas of DOMAIN.md §2
SERVICE_AREAS: dict[str, str] = _canonical("service_area")
#: 对象类别 → client_category
CLIENT_CATEGORIES: dict[str, str] = _canonical("client_category")
#: 资源类型 → resource_kind
RESOURCE_KINDS: dict[str, str] = _canonical("resource_kind")

#: Display labels of codes, zh-CN and en.
LABELS_ZH: dict[str, str] = {
    **{t.code: t.label_zh for v in VOCABULARIES.values() for t in v.terms},
    UNMAPPED: "未归类",
    UNSPECIFIED: "未填",
}
LABELS_EN: dict[str, str] = {
    **{t.code: t.label_en for v in VOCABULARIES.values() for t in v.terms},
    UNMAPPED: "Unmapped label",
    UNSPECIFIED: "Not given",
}
