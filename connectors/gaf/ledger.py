"""The GAF sandbox's books: liquidaciones, budget lines, commitments, invoices, events.

Plain data behind one lock, kept in memory and, when a path is given, rewritten atomically
to a JSON file after every change so a sandbox run alone survives restarts. One process
owns the file; two sandboxes on one file would overwrite each other.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.gaf.contract import Problem

JSON = dict[str, Any]
CITY_ZONE = ZoneInfo("America/Argentina/Tucuman")
DEFAULT_TERM_DAYS = 15

#: Budget lines of a fresh sandbox (object-of-expenditure classification), with their balance.
DEFAULT_PARTIDAS: dict[str, JSON] = {
    "2.1.1": {"nombre": "Alimentos para personas", "saldo": "2500000.00"},
    "2.9.2": {"nombre": "Útiles de escritorio, oficina y enseñanza", "saldo": "800000.00"},
    "3.3.1": {"nombre": "Mantenimiento y reparación de edificios y locales", "saldo": "5000000.00"},
    "4.3.6": {"nombre": "Equipo para computación", "saldo": "3000000.00"},
}


def money(value: Decimal) -> str:
    """Format pesos as the contract wants them: ``"1500.00"``."""
    return f"{value:.2f}"


def fingerprint(body: Any) -> str:
    """Hash a request body canonically, to tell a replay from a reused idempotency key."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


class GafLedger:
    """State and rules of the sandbox; every public method is atomic.

    :param state_path: JSON file to load from and save to; ``None`` keeps state in memory.
    :param clock: returns the current time in the city (tests move it).
    :param partidas: budget lines for a fresh state instead of :data:`DEFAULT_PARTIDAS`.
    """

    def __init__(self, state_path: str | Path | None = None, *, clock: Callable[[], datetime] | None = None,
                 partidas: dict[str, JSON] | None = None) -> None:
        self.lock = threading.RLock()
        self._path = Path(state_path) if state_path else None
        self._clock = clock or (lambda: datetime.now(CITY_ZONE))
        self._faults: list[int] = []
        if self._path and self._path.exists():
            self._state: JSON = json.loads(self._path.read_text(encoding="utf-8"))
        else:
            self._state = {"secuencias": {}, "liquidaciones": {}, "compromisos": {}, "facturas": {},
                           "eventos": {}, "idempotencia": {},
                           "partidas": copy.deepcopy(partidas if partidas is not None else DEFAULT_PARTIDAS)}

    # -- idempotency ----------------------------------------------------------------------

    def replay(self, scope: str, key: str, body_hash: str) -> tuple[int, JSON] | None:
        """Return the stored answer of an earlier request with this key, if any.

        :raises Problem: 422 when the key was used with a different body.
        """
        with self.lock:
            seen = self._state["idempotencia"].get(f"{scope} {key}")
            if seen is None:
                return None
            if seen["huella"] != body_hash:
                raise Problem(422, "Clave de idempotencia reutilizada",
                              "La misma Idempotency-Key se usó antes con otro contenido.")
            return seen["estado"], copy.deepcopy(seen["respuesta"])

    def remember(self, scope: str, key: str, body_hash: str, status: int, answer: JSON) -> None:
        """Store the answer given to a request with an idempotency key."""
        with self.lock:
            self._state["idempotencia"][f"{scope} {key}"] = {"huella": body_hash, "estado": status,
                                                            "respuesta": copy.deepcopy(answer)}
            self._save()

    # -- liquidaciones --------------------------------------------------------------------

    def assess(self, request: JSON, slip_url: Callable[[str], str]) -> JSON:
        """Create a liquidación from a valid ``LiquidacionNueva`` and return it.

        :param slip_url: builds the public URL of the payment slip from its number.
        :raises Problem: 422 when the due date is already past.
        """
        today = self.today()
        due = date.fromisoformat(request["vencimiento"]) if "vencimiento" in request else \
            today + timedelta(days=DEFAULT_TERM_DAYS)
        if due < today:
            raise Problem(422, "Vencimiento inválido", "El vencimiento no puede ser anterior a hoy.")
        with self.lock:
            seq = self._next("L", today.year)
            numero = f"L-{today.year}-{seq:06d}"
            record = {
                "numero": numero, "concepto": request["concepto"], "contribuyente": request["contribuyente"],
                "importe": request["importe"], "referencia": request["referencia"], "vencimiento": due.isoformat(),
                "codigo_pago": _payment_code(today.year, seq, Decimal(request["importe"])),
                "estado": "pendiente", "url_boleta": slip_url(numero), "fecha_pago": None, "evento": None,
            }
            self._state["liquidaciones"][numero] = record
            self._save()
            return self._public(record)

    def slip(self, numero: str) -> JSON:
        """Return a liquidación as the contract shows it (``vencida`` once past due).

        :raises Problem: 404 when it does not exist.
        """
        with self.lock:
            return self._public(self._record(numero))

    def pay(self, numero: str) -> tuple[JSON, JSON]:
        """Mark a liquidación paid and return it with its ``pago_confirmado`` event.

        Paying a paid liquidación returns the same event again (same ``id``), so the notice
        can be resent and the receiver can drop the duplicate.

        :raises Problem: 404 unknown, 409 when past due or annulled.
        """
        with self.lock:
            record = self._record(numero)
            shown = self._public(record)
            if shown["estado"] in ("vencida", "anulada"):
                raise Problem(409, "La boleta no se puede pagar", f"La liquidación {numero} está {shown['estado']}.")
            if record["evento"] is None:
                record["estado"] = "pagada"
                record["fecha_pago"] = self._clock().isoformat(timespec="seconds")
                event_id = "evt_" + uuid.uuid4().hex
                record["evento"] = event_id
                event = {"id": event_id, "evento": "pago_confirmado", "fecha": record["fecha_pago"],
                         "liquidacion": self._public(record)}
                self._state["eventos"][event_id] = {"cuerpo": event, "entrega": None}
                self._save()
            return self._public(record), copy.deepcopy(self._state["eventos"][record["evento"]]["cuerpo"])

    def notice(self, numero: str) -> JSON | None:
        """Return the slip's payment event id and delivery outcome, ``None`` while unpaid.

        :return: ``{"id": str, "entrega": outcome or None while being delivered}``.
        """
        with self.lock:
            event_id = self._record(numero)["evento"]
            if event_id is None:
                return None
            return {"id": event_id, "entrega": copy.deepcopy(self._state["eventos"][event_id]["entrega"])}

    def record_delivery(self, event_id: str, outcome: JSON | None) -> None:
        """Store the outcome of delivering an event to the webhook (``None``: in progress)."""
        with self.lock:
            self._state["eventos"][event_id]["entrega"] = outcome
            self._save()

    # -- budget and purchases -------------------------------------------------------------

    def availability(self, partida: str, importe: str) -> JSON:
        """Tell whether ``partida``'s balance covers ``importe``.

        :raises Problem: 404 when the budget line does not exist.
        """
        with self.lock:
            balance = Decimal(self._partida(partida)["saldo"])
        return {"partida": partida, "importe": importe, "disponible": balance >= Decimal(importe),
                "saldo": money(balance)}

    def commit(self, request: JSON) -> JSON:
        """Reserve ``importe`` of a budget line for a purchase.

        :raises Problem: 404 unknown budget line, 409 insufficient balance.
        """
        with self.lock:
            line = self._partida(request["partida"])
            balance, amount = Decimal(line["saldo"]), Decimal(request["importe"])
            if amount > balance:
                raise Problem(409, "Saldo insuficiente",
                              f"La partida {request['partida']} tiene {money(balance)} disponibles.")
            line["saldo"] = money(balance - amount)
            year = self.today().year
            numero = f"C-{year}-{self._next('C', year):06d}"
            record = {"numero": numero, "estado": "registrado", **request, "facturado": "0.00"}
            self._state["compromisos"][numero] = record
            self._save()
        answer = {k: v for k, v in record.items() if k != "facturado"}
        return {**answer, "saldo_partida": line["saldo"]}

    def register_invoice(self, request: JSON) -> JSON:
        """Record a supplier's invoice against a commitment.

        :raises Problem: 404 unknown commitment; 409 other supplier, duplicate invoice or an
            amount above what is left to invoice.
        """
        with self.lock:
            commitment = self._state["compromisos"].get(request["compromiso"])
            if commitment is None:
                raise Problem(404, "Compromiso inexistente", f"No existe el compromiso {request['compromiso']}.")
            self._check_invoice(commitment, request)
            year = self.today().year
            numero = f"F-{year}-{self._next('F', year):06d}"
            commitment["facturado"] = money(Decimal(commitment["facturado"]) + Decimal(request["importe"]))
            self._state["facturas"][numero] = {**request, "numero_registro": numero, "estado": "registrada"}
            self._save()
        return {"numero_registro": numero, "estado": "registrada", "compromiso": request["compromiso"],
                "numero": request["numero"], "importe": request["importe"]}

    # -- simulated faults -----------------------------------------------------------------

    def schedule_fault(self, status: int, times: int) -> None:
        """Make the next ``times`` business requests answer ``status`` (0 clears)."""
        with self.lock:
            self._faults = [status] * times

    def take_fault(self) -> int | None:
        """Consume one scheduled fault, if any."""
        with self.lock:
            return self._faults.pop() if self._faults else None

    # -- internals ------------------------------------------------------------------------

    def today(self) -> date:
        """The city's current date."""
        return self._clock().astimezone(CITY_ZONE).date()

    def _check_invoice(self, commitment: JSON, request: JSON) -> None:
        supplier = commitment.get("proveedor")
        if supplier and supplier["cuit"] != request["proveedor"]["cuit"]:
            raise Problem(409, "Proveedor distinto", "El proveedor no es el del compromiso.")
        for numero, invoice in self._state["facturas"].items():
            if (invoice["proveedor"]["cuit"], invoice["numero"]) == (request["proveedor"]["cuit"], request["numero"]):
                raise Problem(409, "Factura duplicada", f"La factura ya está registrada como {numero}.")
        left = Decimal(commitment["importe"]) - Decimal(commitment["facturado"])
        if Decimal(request["importe"]) > left:
            raise Problem(409, "Importe excedido", f"Quedan {money(left)} por facturar en el compromiso.")

    def _record(self, numero: str) -> JSON:
        record = self._state["liquidaciones"].get(numero)
        if record is None:
            raise Problem(404, "Liquidación inexistente", f"No existe la liquidación {numero}.")
        return record

    def _partida(self, partida: str) -> JSON:
        line = self._state["partidas"].get(partida)
        if line is None:
            raise Problem(404, "Partida inexistente", f"No existe la partida {partida}.")
        return line

    def _public(self, record: JSON) -> JSON:
        shown = {k: copy.deepcopy(v) for k, v in record.items() if k != "evento"}
        if shown["estado"] == "pendiente" and date.fromisoformat(shown["vencimiento"]) < self.today():
            shown["estado"] = "vencida"
        return shown

    def _next(self, kind: str, year: int) -> int:
        key = f"{kind}-{year}"
        value = self._state["secuencias"].get(key, 0) + 1
        self._state["secuencias"][key] = value
        return value

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".gaf-", dir=self._path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._state, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, self._path)


def _payment_code(year: int, seq: int, amount: Decimal) -> str:
    """Build a 20-digit payment code: year, sequence, cents and a weighted check digit."""
    digits = f"{year:04d}{seq % 1_000_000:06d}{int(amount * 100) % 1_000_000_000:09d}"
    check = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10
    return digits + str(check)
