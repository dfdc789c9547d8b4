"""The turnero at the office, staff side: the desk that calls people, and the office's kiosks and displays."""
