"""Notifications (``notificar``): Spanish e-mail templates over SMTP and the WhatsApp Business Cloud API.

:class:`NotifyConnector` provides the operations ``notificar/email`` and
``notificar/whatsapp`` and the inbound WhatsApp webhook; :func:`send_email` is the plain
function ``create_app`` hands to the fronts (bound to the SMTP settings).
"""

from connectors.notify.connector import NotifyConnector
from connectors.notify.mail import TEMPLATES, send_email

__all__ = ["TEMPLATES", "NotifyConnector", "send_email"]
