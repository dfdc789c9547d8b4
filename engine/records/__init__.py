"""Records management: closing and reopening a case file, its archive with the procedure's
retention, and its disposal (destruction or transfer) once staff approve it."""
