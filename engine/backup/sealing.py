"""Sealing a backup to the city's key: X25519 to agree a key, HKDF-SHA256, AES-256-GCM in chunks.

The scheme is the one `age <https://age-encryption.org>`_ uses, built from the ``cryptography``
library the platform already ships (no new dependency, no home-made primitive):

- the city keeps an X25519 **private** key offline (``tramites backup-key``); the servers hold
  only its **public** half (``TRAMITES_BACKUP_PUBLIC_KEY``), so a stolen server cannot read
  the backups it wrote;
- each backup draws an ephemeral X25519 key; the shared secret, through HKDF-SHA256 (salted
  with both public keys), gives the backup's file key;
- each file is sealed with its own key (HKDF of the file key and the file's path, so files
  cannot be swapped) in AES-256-GCM chunks of 64 KiB; a chunk's nonce is its counter and a
  "last chunk" flag (the STREAM construction), so reordered, cut or appended chunks fail too;
- the manifest stays readable and carries an HMAC of itself under a key derived from the file
  key: an edited manifest is refused as surely as an edited file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from engine.backup.errors import BackupError, Tampered, WrongKey

SCHEME = "x25519-hkdf-sha256-aes256gcm-stream64k"
CHUNK = 64 * 1024
TAG = 16
_INFO = b"tramites-backup/v1"


def generate_key(private_path: Path) -> Path:
    """Write a new private key (PEM, readable by its owner only) and its public half beside it.

    :return: the public key's path (``<private_path>.pub``).
    :raises BackupError: when the private key file exists already (a key is never overwritten).
    """
    key = X25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise BackupError(f"{private_path} ya existe: no se reemplaza una clave (elija otro nombre).") from e
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public_path = private_path.with_name(private_path.name + ".pub")
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return public_path


def load_public_key(path: Path) -> X25519PublicKey:
    """:raises BackupError: when the file is missing or holds no X25519 public key."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as e:
        raise BackupError(f"No se pudo leer la clave pública {path}: {e}") from e
    if not isinstance(key, X25519PublicKey):
        raise BackupError(f"{path} no es una clave pública de copias (X25519): créela con `tramites backup-key`.")
    return key


def load_private_key(path: Path) -> X25519PrivateKey:
    """:raises WrongKey: when the file is missing or holds no X25519 private key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise WrongKey(f"No se pudo leer la clave privada {path}: {e}") from e
    if not isinstance(key, X25519PrivateKey):
        raise WrongKey(f"{path} no es una clave privada de copias (X25519).")
    return key


def fingerprint(public: X25519PublicKey) -> str:
    """A short, shareable name of a key: the first 32 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(_raw(public)).hexdigest()[:32]


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


class Seal:
    """The keys of one backup: seals (or opens) its files and authenticates its manifest."""

    def __init__(self, file_key: bytes, header: dict[str, str]) -> None:
        self._file_key = file_key
        #: What the manifest records so the city's key can open the backup again.
        self.header = header

    @classmethod
    def to(cls, recipient: X25519PublicKey) -> Seal:
        """A new seal for a backup only ``recipient``'s private key opens."""
        ephemeral = X25519PrivateKey.generate()
        shared = ephemeral.exchange(recipient)
        ephemeral_raw = _raw(ephemeral.public_key())
        file_key = _hkdf(shared, _INFO, salt=ephemeral_raw + _raw(recipient))
        return cls(file_key, {"scheme": SCHEME, "recipient": fingerprint(recipient),
                              "ephemeral_public_key": ephemeral_raw.hex()})

    @classmethod
    def opened_with(cls, private: X25519PrivateKey, header: dict[str, str]) -> Seal:
        """The seal of a backup, from the manifest's header and the city's private key.

        :raises WrongKey: when the key is not the one the backup was sealed to.
        :raises Tampered: when the header is not one this platform writes.
        """
        if header.get("scheme") != SCHEME:
            raise Tampered(f"El manifiesto nombra un cifrado desconocido: {header.get('scheme')!r}.")
        mine = fingerprint(private.public_key())
        if header.get("recipient") != mine:
            raise WrongKey(f"La clave dada (huella {mine}) no es la de esta copia (huella {header.get('recipient')}).")
        try:
            ephemeral = X25519PublicKey.from_public_bytes(bytes.fromhex(header["ephemeral_public_key"]))
        except (KeyError, ValueError) as e:
            raise Tampered("El manifiesto tiene una clave efímera ilegible.") from e
        shared = private.exchange(ephemeral)
        file_key = _hkdf(shared, _INFO, salt=_raw(ephemeral) + _raw(private.public_key()))
        return cls(file_key, header)

    def mac(self, manifest_bytes: bytes) -> str:
        return hmac.new(_hkdf(self._file_key, b"manifest"), manifest_bytes, hashlib.sha256).hexdigest()

    def seal(self, path: str, source: BinaryIO, out: BinaryIO) -> None:
        """Write ``source``'s bytes sealed into ``out``, as the file ``path`` of the backup."""
        aead = AESGCM(_hkdf(self._file_key, b"file:" + path.encode()))
        counter = 0
        chunk = source.read(CHUNK)
        while True:
            following = source.read(CHUNK) if len(chunk) == CHUNK else b""
            last = not following
            out.write(aead.encrypt(_nonce(counter, last), chunk, None))
            if last:
                return
            counter, chunk = counter + 1, following

    def open(self, path: str, sealed: BinaryIO) -> Iterator[bytes]:
        """Yield the plain bytes of the file ``path``, chunk by chunk.

        :raises Tampered: at the first chunk that does not authenticate, or when the file was cut.
        """
        aead = AESGCM(_hkdf(self._file_key, b"file:" + path.encode()))
        counter = 0
        chunk = sealed.read(CHUNK + TAG)
        while True:
            following = sealed.read(CHUNK + TAG) if len(chunk) == CHUNK + TAG else b""
            last = not following
            try:
                yield aead.decrypt(_nonce(counter, last), chunk, None)
            except InvalidTag as e:
                raise Tampered(f"{path}: está alterado o dañado (no pasa la verificación del cifrado).") from e
            if last:
                return
            counter, chunk = counter + 1, following


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
