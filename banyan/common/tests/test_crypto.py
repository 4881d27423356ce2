from __future__ import annotations

import hmac
import re

import pytest
from cryptography.fernet import InvalidToken

from banyan.common import crypto

NUMBER = "53080219900101123X"


def test_it_decrypts_what_it_encrypted():
    assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER


def test_it_round_trips_non_ascii_text():
    assert crypto.decrypt(crypto.encrypt("云南省普洱市思茅区")) == "云南省普洱市思茅区"


def test_the_ciphertext_holds_no_run_of_the_plaintext_digits():
    token = crypto.encrypt(NUMBER)
    assert NUMBER not in token
    # No four consecutive characters of the number survive anywhere in the token.
    for start in range(len(NUMBER) - 3):
        assert NUMBER[start : start + 4] not in token


def test_encrypting_twice_gives_different_ciphertexts():
    # Fernet uses a random IV, so equal numbers cannot be spotted in the encrypted column;
    # lookup_hash is the one deliberately deterministic value.
    assert crypto.encrypt(NUMBER) != crypto.encrypt(NUMBER)


def test_lookup_hash_is_deterministic():
    assert crypto.lookup_hash(NUMBER) == crypto.lookup_hash(NUMBER)


def test_lookup_hash_differs_between_numbers():
    assert crypto.lookup_hash(NUMBER) != crypto.lookup_hash("11010519491231002X")


def test_lookup_hash_is_64_hex_characters():
    assert re.fullmatch(r"[0-9a-f]{64}", crypto.lookup_hash(NUMBER))


def test_lookup_hash_does_not_contain_the_number():
    assert NUMBER[:6] not in crypto.lookup_hash(NUMBER)


def test_lookup_hash_depends_on_the_key(settings):
    # The derived keys are cached per key string, so changing the setting must change them.
    settings.BANYAN_DATA_KEY = "first-test-key"
    first = crypto.lookup_hash(NUMBER)
    settings.BANYAN_DATA_KEY = "second-test-key"
    second = crypto.lookup_hash(NUMBER)
    settings.BANYAN_DATA_KEY = "first-test-key"
    assert crypto.lookup_hash(NUMBER) == first
    assert first != second


def test_a_key_asked_for_by_name_is_that_key_whatever_the_setting(settings):
    # Key rotation reads with the old key while the setting already holds the new one.
    settings.BANYAN_DATA_KEY = "old-key"
    token = crypto.encrypt(NUMBER)
    old_hash = crypto.lookup_hash(NUMBER)
    crypto._fernet.cache_clear()  # as in a fresh process
    crypto._hash_key.cache_clear()

    settings.BANYAN_DATA_KEY = "new-key"
    assert crypto._fernet("old-key").decrypt(token.encode()).decode() == NUMBER
    assert hmac.new(crypto._hash_key("old-key"), NUMBER.encode(), "sha256").hexdigest() == old_hash


def test_a_token_from_another_key_does_not_decrypt(settings):
    settings.BANYAN_DATA_KEY = "first-test-key"
    token = crypto.encrypt(NUMBER)
    settings.BANYAN_DATA_KEY = "second-test-key"
    with pytest.raises(InvalidToken):
        crypto.decrypt(token)


def test_a_tampered_token_does_not_decrypt():
    token = crypto.encrypt(NUMBER)
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(InvalidToken):
        crypto.decrypt(tampered)
