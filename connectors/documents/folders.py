"""Template folders as read-only mappings of relative file name → bytes.

A certificate template lives in the deployed version of its procedure (the engine hands the
connector the deployment's stored files), so rendering works from memory: nothing of a
procedure's template is read from the server's disk. Only the platform's own templates
(``plataforma``) and ``tramites certificate issue`` (a folder outside any process) start from
a folder on disk, which :func:`read_folder` copies into memory first — regular files only,
never a symbolic link, so a link inside the folder cannot pull in ``/etc/passwd``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from connectors.documents.errors import TemplateNotFoundError

ENTRY_TEMPLATE = "template.html"
PLATFORM_TEMPLATE = "plataforma"
BASE_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "base_certificate"
#: A folder name the BPMN may give: ``permiso`` or a nested folder of the bundle, ``plantillas/permiso``.
NAME_PATTERN = r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$"
MAX_FOLDER_FILES = 100
MAX_FOLDER_BYTES = 10 * 1024 * 1024

Files = Mapping[str, bytes]


def read_folder(folder: str | Path) -> Files:
    """Copy a template folder from disk into a read-only mapping (regular files, no links).

    :raises TemplateNotFoundError: when the folder has no ``template.html`` or is too large.
    """
    root = Path(folder)
    found: dict[str, bytes] = {}
    total = 0
    if root.is_dir() and not root.is_symlink():
        for current, dirs, names in os.walk(root, followlinks=False):
            dirs[:] = [d for d in dirs if not (Path(current) / d).is_symlink()]
            for name in names:
                path = Path(current) / name
                if path.is_symlink() or not path.is_file():
                    continue
                content = path.read_bytes()
                total += len(content)
                if len(found) >= MAX_FOLDER_FILES or total > MAX_FOLDER_BYTES:
                    raise TemplateNotFoundError(f"La carpeta de plantilla «{root.name}» es demasiado grande.")
                found[path.relative_to(root).as_posix()] = content
    if ENTRY_TEMPLATE not in found:
        raise TemplateNotFoundError(f"La plantilla de certificado «{root.name}» no existe.", detail=str(root))
    return MappingProxyType(found)


@cache
def platform_folder() -> Files:
    """The platform's default certificate (read once: it ships with the code)."""
    return read_folder(BASE_TEMPLATE_DIR)


def folder_of(files: Files, name: str) -> Files:
    """The files of folder ``name`` of a deployed bundle, by names relative to that folder.

    :param files: every file of the deployed version, by bundle-relative name.
    :param name: ``plataforma`` or a folder of the bundle (``permiso``, ``plantillas/permiso``).
    :raises TemplateNotFoundError: for a malformed name or a folder without ``template.html``.
    """
    if name == PLATFORM_TEMPLATE:
        return platform_folder()
    if not re.match(NAME_PATTERN, name):
        raise TemplateNotFoundError(f"El nombre de plantilla «{name:.80}» no es válido.")
    prefix = name + "/"
    found = {key[len(prefix):]: content for key, content in files.items() if key.startswith(prefix)}
    if ENTRY_TEMPLATE not in found:
        raise TemplateNotFoundError(
            f"La plantilla de certificado «{name}» no existe en esta versión del trámite: "
            f"el paquete debe incluir la carpeta «{name}/» con «{ENTRY_TEMPLATE}».")
    return MappingProxyType(found)


def template_folders(files: Files) -> list[str]:
    """The folders of a bundle that hold a ``template.html`` (what a preview may show)."""
    suffix = "/" + ENTRY_TEMPLATE
    return sorted(name[: -len(suffix)] for name in files if name.endswith(suffix))
