"""Deployment bundles: the files of one procedure, read from a folder, a zip or an upload."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

from engine import safe_yaml
from engine.errors import BundleError

MANIFEST = "manifest.yaml"
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
MAX_FILES = 200
#: What a manifest may hold: it is catalogue text, shown on every visit to the guide.
MAX_MANIFEST_BYTES = 64 * 1024
MAX_MANIFEST_TEXT = 5_000  # characters of one text (a description is a paragraph)
MAX_MANIFEST_ITEMS = 100  # entries of one list or mapping
MAX_MANIFEST_DEPTH = 4  # the manifest, its lists and their mappings
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")


@dataclass(frozen=True)
class Bundle:
    """The files of a bundle by relative name, and its parsed manifest (may be empty)."""

    files: Mapping[str, bytes]
    manifest: Mapping[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """SHA-256 over names and contents: an unchanged bundle hashes the same."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()

    def names(self, suffix: str) -> list[str]:
        return sorted(n for n in self.files if n.endswith(suffix))


def _refused(message: str, file: str = "") -> BundleError:
    """A bundle error that also lists itself as a problem, like validation problems."""
    return BundleError(f"{file}: {message}" if file else message,
                       errors=[{"file": file, "element": "", "message": message}])


def bundle_from_files(files: Mapping[str, bytes]) -> Bundle:
    """Build a bundle from name → bytes, checking names and sizes and reading the manifest.

    :raises BundleError: for unsafe names, too many or too large files, or a bad manifest.
    """
    if not files:
        raise _refused("El paquete está vacío: no contiene archivos.")
    if len(files) > MAX_FILES:
        raise _refused(f"El paquete tiene más de {MAX_FILES} archivos.")
    if sum(len(v) for v in files.values()) > MAX_BUNDLE_BYTES:
        raise _refused("El paquete supera los 20 MB.")
    clean: dict[str, bytes] = {}
    for name, content in files.items():
        normal = str(PurePosixPath(name.replace("\\", "/")))
        if normal.startswith(("/", "..")) or ".." in normal.split("/") or not _SAFE_NAME.match(normal):
            raise _refused(f"Nombre de archivo no permitido en el paquete: {name!r}", name)
        clean[normal] = content
    return Bundle(files=clean, manifest=_read_manifest(clean.get(MANIFEST)))


def _read_manifest(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        manifest = safe_yaml.load(raw, max_bytes=MAX_MANIFEST_BYTES)
    except safe_yaml.YamlRefused as e:
        raise _refused(str(e), MANIFEST) from e
    if manifest is None:
        return {}
    if not isinstance(manifest, dict):
        raise _refused("Debe ser un mapa de claves y valores.", MANIFEST)
    _check_manifest_bounds(manifest)
    return manifest


def _check_manifest_bounds(manifest: dict[str, Any]) -> None:
    """Refuse a manifest whose texts, lists or nesting go past what a catalogue entry needs."""
    pending: list[tuple[str, Any, int]] = [("", manifest, 1)]
    while pending:
        where, value, depth = pending.pop()
        name = f"«{where}»" if where else "El manifiesto"
        if isinstance(value, str) and len(value) > MAX_MANIFEST_TEXT:
            raise _refused(f"{name} supera los {MAX_MANIFEST_TEXT} caracteres.", MANIFEST)
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_MANIFEST_DEPTH:
            raise _refused(f"{name} anida listas o mapas en más de {MAX_MANIFEST_DEPTH} niveles.", MANIFEST)
        if len(value) > MAX_MANIFEST_ITEMS:
            raise _refused(f"{name} tiene más de {MAX_MANIFEST_ITEMS} elementos.", MANIFEST)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            key_text = str(key)
            if len(key_text) > MAX_MANIFEST_TEXT:
                raise _refused(f"Una clave de {name} supera los {MAX_MANIFEST_TEXT} caracteres.", MANIFEST)
            pending.append((f"{where}.{key_text}" if where else key_text, item, depth + 1))


def bundle_from_path(path: Path) -> Bundle:
    """Read a bundle from a folder or a ``.zip`` of one.

    :raises BundleError: when the path is neither, or the zip is unsafe.
    """
    if path.is_dir():
        files = {
            str(p.relative_to(path).as_posix()): p.read_bytes()
            for p in sorted(path.rglob("*"))
            if p.is_file() and not any(part.startswith((".", "__")) for part in p.relative_to(path).parts)
        }
        return bundle_from_files(files)
    if path.suffix == ".zip" and path.is_file():
        return bundle_from_zip(path.read_bytes())
    raise _refused("No es una carpeta ni un .zip.", str(path))


def bundle_from_zip(data: bytes) -> Bundle:
    """Read a bundle from zip bytes, refusing zip bombs, unsafe member names and lying headers."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, NotImplementedError, EOFError) as e:
        raise _refused("El archivo .zip está dañado.") from e
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_BUNDLE_BYTES:
        raise _refused("El paquete descomprimido supera los 20 MB.")
    files = {m.filename: _member(archive, m) for m in members if not m.filename.startswith("__MACOSX/")}
    prefix = _common_folder(list(files))
    return bundle_from_files({name[len(prefix):]: content for name, content in files.items()})


def _member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """One member's bytes; the reader stops at the size the header declares and checks the CRC."""
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:  # sizes or checksums that lie, broken data
        raise _refused("El archivo .zip está dañado: su contenido no coincide con lo que declara.",
                       member.filename) from e
    except (NotImplementedError, RuntimeError) as e:  # another compression method, a password
        raise _refused("El archivo .zip usa una compresión o un cifrado que no se admite.", member.filename) from e


def _common_folder(names: list[str]) -> str:
    """A zip of a folder holds ``folder/…``; strip that one shared top folder."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


# --- models from other tools ------------------------------------------------------------------

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
#: A bare ISO 8601 duration, date-time or repeating interval (``P7D``, ``R6/P1D``, ``2026-05-01T10:00Z``).
_ISO_LITERAL = re.compile(
    r"^(R\d*/)?(P[0-9YMWDTHS.]+|\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+\-]\d\d:?\d\d)?)(/P[0-9YMWDTHS.]+)?$")
Note = tuple[str, str]


def adapt_foreign(root: ElementTree.Element, content: bytes) -> tuple[bytes, list[Note]]:
    """Adapt a BPMN file written by another tool (no spiffworkflow namespace) to what we run.

    Native files are returned untouched. In a foreign file, each change is returned as a
    ``(element id, message)`` note for the analyst:

    - documentation-only data stores (``dataStore``, ``dataStoreReference``) and the data
      associations that point at them are removed;
    - timer texts that are bare ISO 8601 literals (``P7D``) are quoted, as our expressions need;
    - simple JUEL conditions (``${approved}``, ``${!a && b}``) become Python expressions;
    - a service task that names no connector operation runs as an empty script (no effect);
    - an untyped task becomes a manual task (the library would wait on it unseen).

    :param root: the file, already parsed safely (defusedxml).
    :param content: the original bytes, returned when nothing changes.
    :return: the bytes to parse and the notes.
    """
    if SPIFF_NS.encode() in content:  # declared by every file that uses the spiff dialect
        return content, []
    notes: list[Note] = []
    _drop_data_stores(root, notes)
    for element in root.iter():
        _adapt_element(element, notes)
    if not notes:
        return content, []
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True), notes


def _tag(name: str) -> str:
    return f"{{{BPMN_NS}}}{name}"


def _drop_data_stores(root: ElementTree.Element, notes: list[Note]) -> None:
    store_tags = {_tag("dataStore"), _tag("dataStoreReference")}
    stores = {e.get("id") for e in root.iter() if e.tag in store_tags}
    if not stores:
        return
    assoc_tags = {_tag("dataInputAssociation"), _tag("dataOutputAssociation")}
    for parent in list(root.iter()):
        for child in list(parent):
            refs = {ref.text.strip() for ref in child if ref.text} if child.tag in assoc_tags else set()
            if child.tag in store_tags or refs & stores:
                parent.remove(child)
    for store in sorted(s for s in stores if s):
        notes.append((store, "Almacén de datos solo documental: se ignora al ejecutar."))


def _adapt_element(element: ElementTree.Element, notes: list[Note]) -> None:
    text = (element.text or "").strip()
    element_id = element.get("id") or ""
    if element.tag in {_tag("timeDate"), _tag("timeDuration"), _tag("timeCycle")} and _ISO_LITERAL.match(text):
        element.text = repr(text)
        notes.append((element_id, f"Temporizador «{text}» tomado como texto literal."))
    elif element.tag == _tag("conditionExpression") and (match := _JUEL.match(text)):
        element.text = _juel_to_python(match.group(1))
        notes.append((element_id, f"Condición JUEL «{text}» traducida a «{element.text}»."))
    elif element.tag == _tag("task"):
        # the library waits on an untyped task as a manual one: make it a manual task people see
        element.tag = _tag("manualTask")
        notes.append((element_id, "Tarea sin tipo: se trata como tarea manual."))
    elif element.tag == _tag("serviceTask"):
        # a plain bpmn:task would wait for a person (the library makes it manual): run an empty script
        element.tag = _tag("scriptTask")
        ElementTree.SubElement(element, _tag("script")).text = "pass"
        notes.append((element_id, "La tarea de servicio no nombra ninguna operación de conector: "
                                  "se ejecuta como tarea sin efecto."))


def _juel_to_python(expression: str) -> str:
    python = expression.replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"!(?!=)", " not ", python)
    python = re.sub(r"\bnull\b", "None", python)
    python = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", python))
    return " ".join(python.split())
