"""Appointments (turnero): offices, the services they attend, agendas of slots, bookings and the queue at the desk.

Appointments live in the platform's database: citizens book them from the portal, staff keep the
agendas and call people at the desk, and processes offer and book them through engine operations
(``turnos/…``), so an appointment can be a step of a case.
"""
