"""Personal data under Ley 25.326: classified fields, the record of who read a sensitive one,
a person's own data as a file (derecho de acceso) and rectifications carried out on their
profile (derecho de rectificación)."""
