"""How passwords are stored: Argon2id at the parameters OWASP's password-storage
guidance gives as its first choice (19 MiB of memory, 2 passes, 1 lane).

Django's own Argon2 hasher asks for 100 MiB and 8 lanes: 0.3 s per sign-in on a
2-core server, and a burst of sign-ins at shift change queues behind it. PBKDF2 at
Django's 1,000,000 iterations costs as much (docs/performance.md) and is not
memory-hard. These parameters cost ~40 ms here and still force an attacker to spend
19 MiB per guess. Hashes made with other parameters, or with PBKDF2, are re-made at
the user's next sign-in (Django's `must_update`).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class BanyanArgon2Hasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
