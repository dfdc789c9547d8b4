"""Attending people, staff side: the turnero's agendas, the desk that calls people and the office's kiosks
and displays, and the WhatsApp conversations handed to a person."""
