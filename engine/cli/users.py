"""``tramites user …``: local accounts (the embedded default, or break-glass administrators).

Registered by ``create_app`` beside :mod:`engine.cli.commands`; each command is one unit of work.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from engine.identity.accounts import ROLES, create_user
from engine.identity.signup import normalize_email, password_problem, valid_cuit
from engine.uow import unit_of_work

PASSWORD_PROBLEMS = {
    "corta": "la contraseña debe tener al menos 10 caracteres",
    "larga": "la contraseña puede tener hasta 128 caracteres",
    "comun": "la contraseña es demasiado común",
}


@click.group()
def user() -> None:
    """Local user accounts."""


@user.command("create")
@with_appcontext
@click.option("--username", required=True, help="Nombre de usuario.")
@click.option("--email", required=True, help="Correo electrónico.")
@click.option("--password", required=True, help="Contraseña (al menos 10 caracteres, no común).")
@click.option("--name", "display_name", help="Nombre para mostrar (por defecto, el usuario).")
@click.option("--group", "groups", multiple=True, help="Grupo (carril BPMN); se puede repetir.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="Rol; se puede repetir.")
@click.option("--cuit", help="CUIT de una empresa: la cuenta es de la empresa y --name su razón social.")
def create(username: str, email: str, password: str, display_name: str | None, groups: tuple[str, ...],
           roles: tuple[str, ...], cuit: str | None) -> None:
    """Create a local user (roles default to citizen; staff when groups are given); with ``--cuit``, a company."""
    if cuit is not None and not valid_cuit(cuit):
        click.echo("Error: el CUIT debe tener 11 dígitos y su dígito verificador.", err=True)
        sys.exit(1)
    address = normalize_email(email)
    problem = password_problem(password, email=address)
    if address is None or problem or not username.strip():
        reason = "el correo no es válido" if address is None else PASSWORD_PROBLEMS.get(problem or "", "")
        click.echo(f"Error: {reason or 'falta el nombre de usuario'}.", err=True)
        sys.exit(1)
    chosen = roles or (("staff",) if groups else ("citizen",))
    try:
        with unit_of_work():
            created = create_user(username.strip(), password=password, email=address, display_name=display_name,
                                  roles=tuple(chosen), groups=groups, cuit=cuit)
            summary = (created.username, ", ".join(sorted(created.role_set)), ", ".join(created.group_names))
    except ValueError:
        click.echo(f"Error: ya existe un usuario «{username}», o el correo {address} o el CUIT ya están en uso.",
                   err=True)
        sys.exit(1)
    click.echo(f"Usuario {summary[0]} creado. Roles: {summary[1]}." + (f" Grupos: {summary[2]}." if summary[2] else ""))
