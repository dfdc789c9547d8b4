"""The turnero at the office, the public's side: the kiosk where people check in, the waiting room's display, and
the page where a supervisor's one-time code activates such a device."""
