"""``tramites audit verify``: walk every chain, compare it with its head and the last checkpoint.

Each problem names the first broken link of its chain (the case's number, or the chain's key,
the link's ``seq`` and the event's id): what follows a broken link cannot be trusted and is
not reported again.

- an event without a seal was inserted outside the application;
- a missing ``seq`` means an event was deleted; a ``prev_hash`` that is not the previous
  link's hash, that links were reordered or replaced; a hash that does not match the event's
  content (its id included), that it was changed, or moved in the timeline;
- a chain shorter than its head or than the last checkpoint lost its last events; one whose
  link at the checkpointed ``seq`` differs was rewritten; a case or a checkpointed chain
  without events was emptied (TRUNCATE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from engine.audit.chain import GENESIS, SYSTEM_CHAIN, event_hash
from engine.audit.checkpoints import CheckpointInvalid, Store, latest, read
from engine.dates import moment_text
from engine.db import db
from engine.models import AuditChain, AuditCheckpoint, AuditEvent, Instance

_COLUMNS = (AuditEvent.id, AuditEvent.chain, AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash,
            AuditEvent.instance_id, AuditEvent.task_id, AuditEvent.actor, AuditEvent.at, AuditEvent.type,
            AuditEvent.element_id, AuditEvent.data)
_BATCH = 1000


@dataclass(frozen=True)
class Problem:
    """One broken link: which chain, where, and what is wrong (Spanish, for people)."""

    chain: str
    what: str
    seq: int | None = None
    event_id: int | None = None

    def text(self, label: str) -> str:
        where = label
        if self.seq is not None:
            where += f", eslabón {self.seq}"
        if self.event_id is not None:
            where += f" (evento {self.event_id})"
        return f"{where}: {self.what}"


@dataclass
class Report:
    """What the verification found: counts, the checkpoint it compared with, the problems."""

    events: int = 0
    chains: int = 0
    checkpoint: AuditCheckpoint | None = None
    problems: list[Problem] = field(default_factory=list)
    #: The checkpoint's own problem (missing document, bad signature), if any.
    checkpoint_problem: str | None = None

    @property
    def intact(self) -> bool:
        return not self.problems and self.checkpoint_problem is None

    def lines(self, zone: str) -> list[str]:
        """One line per problem, or the one line of an intact trail."""
        when = moment_text(self.checkpoint.created_at, zone) if self.checkpoint is not None else ""
        if self.intact:
            last = f"último punto de control del {when}" if self.checkpoint else "sin puntos de control todavía"
            return [f"Registro de auditoría íntegro: {self.events} eventos en {self.chains} cadenas, {last}."]
        numbers = _numbers({p.chain for p in self.problems})
        lines = [p.text(_label(p.chain, numbers)) for p in self.problems]
        if self.checkpoint_problem is not None:
            lines.append(f"Punto de control del {when}: {self.checkpoint_problem}")
        return lines


@dataclass
class _Walk:
    """One chain as the walk goes: the next expected link, the last one seen, its first problem."""

    expected: int = 1
    prev: str = GENESIS
    sealed: int = 0
    unsealed_events: int = 0
    last_seq: int = 0
    last_hash: str = ""
    last_id: int | None = None
    #: The checkpointed link, when the walk met it: (event id, hash).
    at_checkpoint: tuple[int, str] | None = None
    #: An event of the chain without a seal (the first one), found before the walk.
    unsealed: Problem | None = None
    broken: Problem | None = None

    @property
    def events(self) -> int:
        return self.sealed + self.unsealed_events

    @property
    def problem(self) -> Problem | None:
        return self.unsealed or self.broken


def verify(store: Store, key: bytes) -> Report:
    """Check the whole trail; read-only, and safe while the platform keeps writing.

    Each query reads one consistent state, and events only ever join the trail sealed and
    with their chain's head, so the checkpoint is read before the walk and the heads after it;
    a chain whose head went ahead of the walk meanwhile is walked again.

    :param store: the document store holding the checkpoints.
    :param key: the checkpoints' HMAC key (:func:`engine.audit.checkpoints.signing_key`).
    """
    report = Report(checkpoint=latest())
    checkpointed = _checkpointed(store, key, report)
    emptied = _cases_without_events()
    walks: dict[str, _Walk] = {}
    _unsealed(walks)
    _walk(walks, checkpointed)
    heads = _heads()
    for _attempt in range(3):
        behind = [chain for chain, walk in walks.items() if chain in heads and walk.last_seq < heads[chain][0]]
        if not behind:
            break
        for chain in behind:
            _walk(walks, checkpointed, chain)
            heads.update(_heads(chain))
    report.events = sum(walk.events for walk in walks.values())
    report.chains = len(walks)
    report.problems = [walk.problem for _chain, walk in sorted(walks.items()) if walk.problem is not None]
    _against_heads(report, walks, heads)
    _against_checkpoint(report, walks, checkpointed)
    reported = {p.chain for p in report.problems if p.seq is None and p.event_id is None}
    report.problems += [Problem(instance_id, "no tiene eventos de auditoría (borrados o truncados).")
                        for instance_id in emptied if instance_id not in reported]
    return report


def _checkpointed(store: Store, key: bytes, report: Report) -> dict[str, tuple[int, str]]:
    if report.checkpoint is None:
        return {}
    try:
        body = read(store, key, report.checkpoint)
    except CheckpointInvalid as e:
        report.checkpoint_problem = str(e)
        return {}
    return {chain: (int(seq), str(hash_)) for chain, seq, hash_ in body["chains"]}


def _cases_without_events() -> list[str]:
    """Cases with no event at all: every case starts with one, so these lost them all (even
    before a first checkpoint). Read before the walk: a case and its first event commit together."""
    lonely = ~select(AuditEvent.id).where(AuditEvent.chain == Instance.id).exists()
    return list(db.session.scalars(select(Instance.id).where(lonely).order_by(Instance.created_at)))


def _unsealed(walks: dict[str, _Walk]) -> None:
    """Events without a link: the application seals every event in its own transaction."""
    rows = db.session.execute(select(AuditEvent.id, AuditEvent.chain)
                              .where(or_(AuditEvent.seq.is_(None), AuditEvent.prev_hash.is_(None),
                                         AuditEvent.hash.is_(None)))
                              .order_by(AuditEvent.id))
    for event_id, chain in rows:
        walk = walks.setdefault(chain, _Walk())
        walk.unsealed_events += 1
        if walk.unsealed is None:
            walk.unsealed = Problem(chain, "el evento no tiene sello: se insertó por fuera de la aplicación.",
                                    event_id=event_id)


def _walk(walks: dict[str, _Walk], checkpointed: dict[str, tuple[int, str]], chain: str | None = None) -> None:
    """Walk every chain (or ``chain`` again, from its start), link by link, in one query."""
    query = select(*_COLUMNS).where(AuditEvent.seq.is_not(None), AuditEvent.prev_hash.is_not(None),
                                    AuditEvent.hash.is_not(None))
    if chain is not None:
        old = walks.get(chain) or _Walk()
        walks[chain] = _Walk(unsealed=old.unsealed, unsealed_events=old.unsealed_events)
        query = query.where(AuditEvent.chain == chain)
    rows = db.session.execute(query.order_by(AuditEvent.chain, AuditEvent.seq).execution_options(yield_per=_BATCH))
    for row in rows.mappings():
        walk = walks.setdefault(row["chain"], _Walk())
        _step(walk, row, checkpointed.get(row["chain"]))


def _step(walk: _Walk, row: Any, checkpointed: tuple[int, str] | None) -> None:
    seq, event_id, chain = row["seq"], row["id"], row["chain"]
    walk.sealed += 1
    walk.last_seq, walk.last_hash, walk.last_id = seq, row["hash"], event_id
    if checkpointed is not None and seq == checkpointed[0]:
        walk.at_checkpoint = (event_id, row["hash"])
    if walk.problem is not None:
        return
    if seq < walk.expected:
        walk.broken = Problem(chain, "el eslabón está repetido.", seq, event_id)
    elif seq > walk.expected:
        walk.broken = Problem(chain, f"falta el evento (el siguiente, evento {event_id}, es el eslabón {seq}).",
                              walk.expected)
    elif row["prev_hash"] != walk.prev:
        walk.broken = Problem(chain, "no sigue al eslabón anterior (eslabones reordenados o reemplazados).",
                              seq, event_id)
    elif event_hash(row) != row["hash"]:
        walk.broken = Problem(chain, "el evento fue alterado (su contenido no coincide con su sello).", seq, event_id)
    else:
        walk.expected += 1
        walk.prev = row["hash"]


def _heads(chain: str | None = None) -> dict[str, tuple[int, str]]:
    query = select(AuditChain.key, AuditChain.seq, AuditChain.hash)
    if chain is not None:
        query = query.where(AuditChain.key == chain)
    return {key: (seq, hash_) for key, seq, hash_ in db.session.execute(query)}


def _against_heads(report: Report, walks: dict[str, _Walk], heads: dict[str, tuple[int, str]]) -> None:
    """Each chain ends where its head says: deleted or added last events show here."""
    for chain in sorted(set(heads) | set(walks)):
        walk, head = walks.get(chain), heads.get(chain)
        if walk is None and head is not None:
            report.problems.append(Problem(chain, f"no quedan eventos; su cabeza registra {head[0]} "
                                                  "(borrados o truncados)."))
        elif walk is not None and head is None:
            report.problems.append(Problem(chain, "la cadena no tiene cabeza (tabla audit_chains alterada)."))
        elif walk is not None and head is not None and walk.last_seq:
            _compare_end(report, chain, walk, head, "su cabeza registra")


def _against_checkpoint(report: Report, walks: dict[str, _Walk], checkpointed: dict[str, tuple[int, str]]) -> None:
    """What the last checkpoint signed is still there, unchanged."""
    for chain in sorted(checkpointed):
        seq, hash_ = checkpointed[chain]
        walk = walks.get(chain)
        if walk is None or walk.last_seq == 0:
            report.problems.append(Problem(chain, f"no quedan eventos; el punto de control registraba {seq} "
                                                  "(borrados o truncados)."))
        elif walk.last_seq < seq:
            _compare_end(report, chain, walk, (seq, hash_), "el punto de control registraba")
        elif walk.at_checkpoint is None:
            report.problems.append(Problem(chain, "falta el evento que registró el punto de control.", seq))
        elif walk.at_checkpoint[1] != hash_:
            report.problems.append(Problem(chain, "no coincide con el punto de control (la cadena fue reescrita).",
                                           seq, walk.at_checkpoint[0]))


def _compare_end(report: Report, chain: str, walk: _Walk, end: tuple[int, str], source: str) -> None:
    seq, hash_ = end
    if walk.last_seq < seq:
        report.problems.append(Problem(chain, f"falta el evento (la cadena termina en el eslabón {walk.last_seq}; "
                                              f"{source} {seq}).", seq))
    elif walk.last_seq > seq:
        report.problems.append(Problem(chain, f"la cadena sigue más allá de su cabeza ({source} {seq}): eventos "
                                              "agregados por fuera de la aplicación.", walk.last_seq, walk.last_id))
    elif walk.last_hash != hash_:
        report.problems.append(Problem(chain, f"el último evento no es el que {source} (la cadena fue reescrita).",
                                       seq, walk.last_id))


def _numbers(chains: set[str]) -> dict[str, str]:
    keys = sorted(chains - {SYSTEM_CHAIN})
    found: dict[str, str] = {}
    for start in range(0, len(keys), _BATCH):
        found.update(db.session.execute(select(Instance.id, Instance.number)
                                        .where(Instance.id.in_(keys[start:start + _BATCH]))).all())
    return found


def _label(chain: str, numbers: dict[str, str]) -> str:
    if chain == SYSTEM_CHAIN:
        return "Cadena «sistema»"
    if chain in numbers:
        return f"Expediente {numbers[chain]}"
    return f"Cadena {chain}"
