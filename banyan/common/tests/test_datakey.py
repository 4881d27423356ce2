"""A wrong data key stops the app at start-up, and `rotate_data_key` moves every ID number
to a new key (SECURITY.md 7, 21)."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from banyan.common import crypto
from banyan.common.checks import check_data_key
from banyan.common.datakey import (
    KeyState,
    ensure_recorded,
    fingerprint,
    key_state,
    record_current_key,
    require_matching_key,
)
from banyan.common.idnumber import make_id_number
from banyan.common.masking import mask_id_number
from banyan.common.models import DataKeyCheck
from banyan.registry.models import Gender, Person, Relation, ResidenceType
from banyan.registry.selectors import parse_search, search_persons

ROOT = Path(__file__).resolve().parents[3]
OLD = "the-old-data-key-0123456789-abcdefghij"
NEW = "the-new-data-key-9876543210-zyxwvutsrq"


@pytest.fixture
def keyed(settings, world):
    """The world's database written with OLD: its persons carry ID numbers."""
    settings.BANYAN_DATA_KEY = OLD
    settings.BANYAN_OLD_DATA_KEYS = []
    numbers = {}
    for i, household in enumerate([world.household_1_1, world.household_2_1] * 3):
        number = make_id_number("530802", dt.date(1960, 1, 1 + i), 100 + i)
        person = Person.objects.create(
            community_id=household.community_id,
            grid_id=household.grid_id,
            household=household,
            name=f"居民{i}",
            gender=Gender.MALE if (100 + i) % 2 else Gender.FEMALE,
            birth_date=dt.date(1960, 1, 1 + i),
            id_number_encrypted=crypto.encrypt(number),
            id_number_hash=crypto.lookup_hash(number),
            id_number_masked=mask_id_number(number),
            relation=Relation.SPOUSE,
            residence_type=ResidenceType.REGISTERED,
        )
        numbers[person.pk] = number
    record_current_key()
    return numbers


def _under(key: str, numbers: dict[int, str]) -> bool:
    """Every ID number is encrypted and hashed with `key` alone."""
    fernet = crypto._fernet(key)
    for person in Person.objects.filter(pk__in=numbers):
        number = numbers[person.pk]
        try:
            plain = fernet.decrypt(person.id_number_encrypted.encode()).decode()
        except InvalidToken:
            return False
        if plain != number or person.id_number_hash != crypto.hash_with(key, number):
            return False
    return True


def test_migrate_records_the_key_of_a_fresh_database(db):
    assert DataKeyCheck.objects.count() == 1
    assert key_state().state is KeyState.MATCH


def test_the_record_reveals_nothing_of_the_key_or_its_plaintext(keyed):
    record = DataKeyCheck.objects.get()
    assert OLD not in record.fingerprint + record.check_token
    assert "banyan-data-key-check" not in record.check_token
    assert record.fingerprint == fingerprint(OLD) != fingerprint(NEW)


def test_the_right_key_passes(keyed):
    assert key_state().state is KeyState.MATCH
    assert check_data_key() == []
    require_matching_key()


def test_another_key_is_refused_with_what_to_do(keyed, settings):
    settings.BANYAN_DATA_KEY = NEW
    verdict = key_state()
    assert verdict.state is KeyState.MISMATCH
    errors = check_data_key()
    assert [e.id for e in errors] == ["banyan.E002"]
    for words in ("BANYAN_DATA_KEY", "BANYAN_OLD_DATA_KEYS", "rotate_data_key"):
        assert words in errors[0].msg
    assert NEW not in errors[0].msg and OLD not in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match="BANYAN_DATA_KEY is not the key"):
        require_matching_key()


def test_data_from_before_the_check_is_recorded_only_if_the_key_reads_it(keyed, settings):
    DataKeyCheck.objects.all().delete()
    settings.BANYAN_DATA_KEY = NEW
    assert ensure_recorded().state is KeyState.MISMATCH
    assert not DataKeyCheck.objects.exists()
    settings.BANYAN_DATA_KEY = OLD
    assert ensure_recorded().state is KeyState.MATCH
    assert DataKeyCheck.objects.get().fingerprint == fingerprint(OLD)


def test_an_old_key_reads_and_finds_while_a_rotation_is_pending(keyed, settings, world):
    settings.BANYAN_DATA_KEY = NEW
    settings.BANYAN_OLD_DATA_KEYS = [OLD]
    assert key_state().state is KeyState.ROTATING
    assert [w.id for w in check_data_key()] == ["banyan.W001"]
    require_matching_key()  # starts
    pk, number = next(iter(keyed.items()))
    assert crypto.decrypt(Person.objects.get(pk=pk).id_number_encrypted) == number
    person = Person.objects.get(pk=pk)
    found = search_persons(user=world.alice, query=parse_search(number))
    assert [p.pk for p in found] == [person.pk]


def test_rotate_data_key_moves_every_row_to_the_new_key(keyed, settings, world):
    settings.BANYAN_DATA_KEY = NEW
    settings.BANYAN_OLD_DATA_KEYS = [OLD]
    call_command("rotate_data_key", batch_size=2, stdout=io.StringIO())
    assert _under(NEW, keyed)
    assert key_state().state is KeyState.MATCH
    # The old key can go: everything reads, and ID search finds with the new hashes.
    settings.BANYAN_OLD_DATA_KEYS = []
    for pk, number in keyed.items():
        assert crypto.decrypt(Person.objects.get(pk=pk).id_number_encrypted) == number
        assert [p.pk for p in search_persons(user=world.alice, query=parse_search(number))] == [pk]


def test_an_interrupted_rotation_resumes(keyed, settings, monkeypatch):
    settings.BANYAN_DATA_KEY = NEW
    settings.BANYAN_OLD_DATA_KEYS = [OLD]
    real_rotate = crypto.rotate
    calls = {"n": 0}

    def failing_rotate(token: str) -> tuple[str, str]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_rotate(token)

    monkeypatch.setattr(crypto, "rotate", failing_rotate)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_data_key", batch_size=2, stdout=io.StringIO())
    # The first batch was committed, the second rolled back whole; the record is still OLD.
    assert key_state().state is KeyState.ROTATING
    done = [p for p in Person.objects.filter(pk__in=keyed) if _under(NEW, {p.pk: keyed[p.pk]})]
    assert len(done) == 2
    monkeypatch.setattr(crypto, "rotate", real_rotate)
    call_command("rotate_data_key", batch_size=2, stdout=io.StringIO())
    assert _under(NEW, keyed)
    assert key_state().state is KeyState.MATCH


def test_rotation_refuses_without_the_key_the_data_was_written_with(keyed, settings):
    settings.BANYAN_DATA_KEY = NEW
    settings.BANYAN_OLD_DATA_KEYS = ["some-other-key-that-never-wrote-anything"]
    before = list(Person.objects.values_list("id_number_encrypted", "id_number_hash"))
    with pytest.raises(CommandError, match="BANYAN_OLD_DATA_KEYS"):
        call_command("rotate_data_key", stdout=io.StringIO())
    assert list(Person.objects.values_list("id_number_encrypted", "id_number_hash")) == before
    assert DataKeyCheck.objects.get().fingerprint == fingerprint(OLD)


def test_a_row_no_key_reads_stops_the_rotation_naming_it(keyed, settings):
    settings.BANYAN_DATA_KEY = NEW
    settings.BANYAN_OLD_DATA_KEYS = [OLD]
    stray = Person.objects.order_by("pk").last()
    Person.objects.filter(pk=stray.pk).update(
        id_number_encrypted=crypto._fernet("a-third-key-nobody-has").encrypt(b"x").decode()
    )
    with pytest.raises(CommandError, match=f"registry.Person {stray.pk}"):
        call_command("rotate_data_key", stdout=io.StringIO())
    assert key_state().state is KeyState.ROTATING


def test_a_batch_size_out_of_range_is_refused(db):
    for size in ("0", "-1", "10001"):
        with pytest.raises(CommandError, match="batch-size"):
            call_command("rotate_data_key", "--batch-size", size)


def _manage(tmp_path: Path, *args: str, key: str, old: str = "") -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "BANYAN_OLD_DATA_KEYS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="banyan.settings.local",
        BANYAN_VAR_DIR=str(tmp_path),
        BANYAN_DATA_KEY=key,
        BANYAN_OLD_DATA_KEYS=old,
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_server_refuses_to_start_with_another_key(tmp_path):
    """End to end, in a fresh database: migrate records the key; runserver's checks and
    the WSGI application refuse another; rotation makes the new key the database's."""
    assert _manage(tmp_path, "manage.py", "migrate", "--noinput", key=OLD).returncode == 0

    refused = _manage(tmp_path, "manage.py", "check", key=NEW)
    assert refused.returncode != 0
    assert "banyan.E002" in refused.stderr and "rotate_data_key" in refused.stderr
    wsgi = _manage(tmp_path, "-c", "import banyan.wsgi", key=NEW)
    assert wsgi.returncode != 0
    assert "BANYAN_DATA_KEY is not the key" in wsgi.stderr

    rotating = _manage(tmp_path, "manage.py", "check", key=NEW, old=OLD)
    assert rotating.returncode == 0 and "banyan.W001" in rotating.stderr
    rotated = _manage(tmp_path, "manage.py", "rotate_data_key", key=NEW, old=OLD)
    assert rotated.returncode == 0, rotated.stderr
    assert _manage(tmp_path, "-c", "import banyan.wsgi", key=NEW).returncode == 0
