"""The guide's procedures ranked for a question: BM25 (bm25s) over the deployed manifests.

One document per procedure listed in the public guide (the newest deployed version of each key,
``guia`` not false): its name, category, description, requirements, fees, duration and channels,
as :mod:`engine.assistant.text` turns them into stems. The index is kept per process and built
again as soon as the catalogue changes (a version deployed anywhere changes the set of
deployment ids :func:`current_index` compares), so the next question after a deployment already
searches the new text.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bm25s

from engine.assistant import text
from engine.deadlines.clock import duration_words
from engine.models import Deployment
from engine.workflow import deployments

#: The name and the category say most about a procedure: their words count this many times.
TITLE_WEIGHT = 3


@dataclass(frozen=True)
class GuideEntry:
    """What the public guide says of one procedure (its manifest's public keys)."""

    key: str
    name: str
    category: str
    description: str
    requirements: tuple[str, ...]
    fees: str
    duration: str
    channels: tuple[str, ...]
    staff_started: bool

    @property
    def link(self) -> str:
        """The guide page's path, the source of every answer about this procedure."""
        return f"/guia/{self.key}"

    @classmethod
    def of(cls, deployment: Deployment) -> GuideEntry:
        """The entry of a deployed version."""
        return cls.from_manifest({**(deployment.manifest or {}), "key": deployment.key, "name": deployment.name,
                                  "category": deployment.category or ""})

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> GuideEntry:
        """The entry of a bundle's manifest (``key`` and ``name`` required, as deploying checks)."""
        return cls(key=str(manifest["key"]), name=str(manifest["name"]), category=str(manifest.get("category") or ""),
                   description=str(manifest.get("description") or ""),
                   requirements=tuple(str(r) for r in manifest.get("requirements") or ()),
                   fees=str(manifest.get("fees") or ""), duration=duration_words(manifest),
                   channels=tuple(str(c) for c in manifest.get("channels") or ()),
                   staff_started=bool(manifest.get("iniciado_por")))

    def searchable(self) -> str:
        """Every public word of the entry, the title's repeated (:data:`TITLE_WEIGHT`)."""
        title = f"{self.name} {self.category} "
        return " ".join([title * TITLE_WEIGHT, self.description, *self.requirements, self.fees, self.duration,
                         *self.channels])


@dataclass(frozen=True)
class Hit:
    """One procedure found for a question, with its BM25 score (higher is closer)."""

    entry: GuideEntry
    score: float


class GuideIndex:
    """A BM25 index over guide entries.

    :param entries: the procedures to search, in any order.
    """

    def __init__(self, entries: Sequence[GuideEntry]) -> None:
        self.entries = tuple(entries)
        self._bm25 = bm25s.BM25()
        if self.entries:
            self._bm25.index([text.terms(e.searchable()) or ["_"] for e in self.entries], show_progress=False)

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """The procedures that share words with the question, best first, at most ``limit``.

        :return: only entries scoring above zero: a question with no word of the guide finds none.
        """
        terms = text.question_terms(question)
        if not self.entries or not terms:
            return []
        scores = self._bm25.get_scores(terms)
        ranked = sorted(range(len(self.entries)), key=lambda i: (-scores[i], self.entries[i].name))
        return [Hit(self.entries[i], float(scores[i])) for i in ranked[:limit] if scores[i] > 0]


def listed(catalogue: Sequence[Deployment]) -> list[GuideEntry]:
    """The guide's procedures among deployed versions: those whose manifest does not say ``guia: false``."""
    return [GuideEntry.of(d) for d in catalogue if (d.manifest or {}).get("guia", True) is not False]


class _Cache:
    """The process's index and the catalogue it was built from (deployment ids)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.built_from: tuple[str, ...] | None = None
        self.index = GuideIndex(())


# One per process, as deployments' file cache: built on the first question, again after a deployment.
_CACHE = _Cache()


def current_index() -> GuideIndex:
    """The index of the guide as deployed now (rebuilt when the catalogue's versions changed)."""
    catalogue = deployments.catalogue()
    fingerprint = tuple(sorted(str(d.id) for d in catalogue))
    with _CACHE.lock:
        if fingerprint != _CACHE.built_from:
            _CACHE.index = GuideIndex(listed(catalogue))
            _CACHE.built_from = fingerprint
        return _CACHE.index
