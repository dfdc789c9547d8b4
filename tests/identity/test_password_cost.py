"""Production hashes passwords at Argon2id's recommended cost; the tests' cheaper hasher changes only the cost."""

from __future__ import annotations

import argon2

from engine.identity import accounts
from tests.fixtures.identity import PRODUCTION_HASHER, TEST_HASHER


def test_production_hashes_with_argon2id_at_the_recommended_cost() -> None:
    recommended = argon2.PasswordHasher()
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost, PRODUCTION_HASHER.parallelism) == \
        (recommended.time_cost, recommended.memory_cost, recommended.parallelism)
    assert PRODUCTION_HASHER.type is argon2.Type.ID
    stored = PRODUCTION_HASHER.hash("una-clave-de-produccion")
    assert stored.startswith(f"$argon2id$v=19$m={recommended.memory_cost},t={recommended.time_cost},")
    # what the tests' hasher runs in its place still reads a production hash, and refuses a wrong password
    assert accounts._hasher is TEST_HASHER
    assert accounts.verify_hash(stored, "una-clave-de-produccion")
    assert not accounts.verify_hash(stored, "otra-clave")


def test_the_tests_hasher_is_argon2id_too() -> None:
    assert TEST_HASHER.type is argon2.Type.ID
    assert accounts.hash_password("clave").startswith("$argon2id$v=19$m=1024,t=1,p=1$")
