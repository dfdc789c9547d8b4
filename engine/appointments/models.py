"""The tables of the turnero: offices, services, agendas (a service at an office), closures and appointments.

A slot is not a row: it is computed from an agenda's opening hours, its slot length and the
calendar. What the database guards is the capacity: an active appointment holds one ``place``
(1…desks) of its slot, and a partial unique index on (agenda, start, place) over the active
appointments makes a double booking impossible whatever the number of concurrent requests.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import UTCDateTime, db, new_id

#: Appointment states that hold their place in the slot.
ACTIVE_STATES = ("booked", "checked_in", "called")
#: Every state: booked → checked_in → called → attended | no_show; booked → cancelled.
STATES = (*ACTIVE_STATES, "attended", "no_show", "cancelled")
_ACTIVE_SQL = "status IN ('booked', 'checked_in', 'called')"


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Office(db.Model):  # type: ignore[name-defined]
    """A place where the city attends people (Rentas, Atención al Vecino, a Dirección's office)."""

    __tablename__ = "appointment_offices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # a slug: "rentas-centro"
    name: Mapped[str] = mapped_column(String(150))
    address: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(db.Model):  # type: ignore[name-defined]
    """Something people come for (a document check, an inspection visit, attention at Rentas)."""

    __tablename__ = "appointment_services"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # a slug: "inspeccion-comercio"
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The staff group that attends it (its desk page and figures).
    group: Mapped[str] = mapped_column(String(80))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    #: How many days ahead a slot may be booked.
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    #: Active appointments one person may hold for this service at once (no hoarding).
    per_person_limit: Mapped[int] = mapped_column(Integer, default=1)
    #: Whether the kiosk hands out numbers to people without an appointment.
    allows_walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether a person may book without an account, after verifying an e-mail address.
    allows_guest: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Only offered by a process (an inspection visit), not bookable on its own from the portal.
    process_only: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Minutes after its start an appointment not checked in may be marked as a no-show.
    grace_minutes: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Agenda(db.Model):  # type: ignore[name-defined]
    """A service offered at an office: its desks (places per slot) and opening hours."""

    __tablename__ = "appointment_agendas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    office_id: Mapped[str] = mapped_column(ForeignKey("appointment_offices.id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("appointment_services.id"), index=True)
    #: People attended at once: the places of each slot.
    desks: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OpeningHours(db.Model):  # type: ignore[name-defined]
    """One opening range of an agenda on a weekday, in the city's zone (several ranges a day are allowed)."""

    __tablename__ = "appointment_hours"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agenda_id: Mapped[str] = mapped_column(ForeignKey("appointment_agendas.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday, as date.weekday()
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Closure(db.Model):  # type: ignore[name-defined]
    """Days an office (or one agenda of it) does not attend, beyond the city's holidays."""

    __tablename__ = "appointment_closures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    office_id: Mapped[str] = mapped_column(ForeignKey("appointment_offices.id"), index=True)
    #: ``None``: the whole office is closed.
    agenda_id: Mapped[str | None] = mapped_column(ForeignKey("appointment_agendas.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Appointment(db.Model):  # type: ignore[name-defined]
    """One person's appointment (or walk-in number) at an agenda, and what became of it."""

    __tablename__ = "appointments"
    __table_args__ = (
        # The capacity guard: one active appointment per place of a slot.
        Index("uq_appointments_active_place", "agenda_id", "starts_at", "place", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: The short public code on the confirmation and its QR (what the kiosk reads).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    agenda_id: Mapped[str] = mapped_column(ForeignKey("appointment_agendas.id"), index=True)
    #: "booked" (a slot) or "walk_in" (a number taken at the kiosk, no slot).
    kind: Mapped[str] = mapped_column(String(10), default="booked")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Which of the slot's places it holds (1…desks); ``None`` for walk-ins.
    place: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="booked", index=True)
    #: The account that holds it (username); ``None`` for a guest booking or a walk-in.
    holder: Mapped[str | None] = mapped_column(String(120), index=True)
    #: Who booked it when it is not the holder (a representative, a process: "proceso", staff).
    booked_by: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The person's document number, for check-in at the kiosk without the QR.
    document_number: Mapped[str | None] = mapped_column(String(20), index=True)
    #: The case it belongs to, when a process offered or booked it.
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"), index=True)
    #: The number shown on the display once checked in ("C-014").
    ticket: Mapped[str | None] = mapped_column(String(12))
    desk: Mapped[str | None] = mapped_column(String(40))
    #: The appointment this one replaced when it was moved.
    moved_from: Mapped[str | None] = mapped_column(String(36))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # turnero-office: when the desk called the number again (the display shows it as the newest
    # call; ``called_at`` keeps the first call, which the waiting time counts).
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # --- turnero-booking (migration 7c3e9a1f4b28) ---
    #: The secret of the link a person follows to see, cancel or move it (``links.manage_path``). Every
    #: appointment gets one when it is written (a walk-in's or the demo's too): a page that only reads
    #: must never have to make one, as nothing it writes is kept.
    manage_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, default=_new_token)


# --- turnero-booking (migration 7c3e9a1f4b28): guest bookings waiting for their e-mail's verification ---

class GuestRequest(db.Model):  # type: ignore[name-defined]
    """A slot a guest asked for: booked only when they follow the link sent to their e-mail address."""

    __tablename__ = "appointment_guest_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: SHA-256 of the link's token (``engine.identity.one_time_links``): a copy of the database opens nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    agenda_id: Mapped[str] = mapped_column(ForeignKey("appointment_agendas.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    email: Mapped[str] = mapped_column(String(254))
    document_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The appointment the verified link booked.
    appointment_id: Mapped[str | None] = mapped_column(String(36))


# --- At the office (turnero-office): the numbers of the day and the office's devices ---

class TicketCounter(db.Model):  # type: ignore[name-defined]
    """The last number handed out at an office on a day (the numbers start again at 1 each day)."""

    __tablename__ = "appointment_ticket_counters"

    office_id: Mapped[str] = mapped_column(ForeignKey("appointment_offices.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


#: What a device of an office is: the check-in kiosk or the waiting-room display.
DEVICE_KINDS = ("kiosk", "display")


class OfficeDevice(db.Model):  # type: ignore[name-defined]
    """A kiosk or a waiting-room display of an office: nobody signs in on it.

    A supervisor registers it and gets a one-time activation code; typed on the device, the code
    gives it a secret kept in a cookie (only hashes are stored). Revoking it stops it at once.
    """

    __tablename__ = "appointment_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    office_id: Mapped[str] = mapped_column(ForeignKey("appointment_offices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the one-time activation code, until it is used or expires.
    activation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    activation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SHA-256 of the secret the activated device presents.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(120))
