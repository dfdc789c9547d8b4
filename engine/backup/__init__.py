"""Backups that restore: one consistent copy of the database and the document store, with a
manifest of what it holds and its checksums, optionally sealed to a key the city keeps
(``docs/operations.md``, "Copias de seguridad")."""
