"""A trail no insider can rewrite silently (issue 14, point 5): an attacker with the database
but not AUDIT_KEY rewrites entries and re-chains them (with a guessed key, or with the old
unkeyed algorithm), or deletes the newest entries and moves the head back; `commonground
audit verify` (and `--anchor FILE`) run against a copy of the database and must fail, and pass
on the untouched trail. On SQLite the copy is a copy of the file, checked by a separate
`commonground` process; on PostgreSQL the test's own database is changed and checked."""

import datetime
import hashlib
import hmac
import io
import json
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from wagtail.log_actions import log

from commonground.content.models import Author
from commonground.core.audit.chain import EntryContent, canonical_json, head_message
from commonground.core.audit.keys import key_id_for
from commonground.core.audit.models import AuditEntry, AuditHead
from commonground.core.audit.verification import verify_chain

from ..processes import REPO_ROOT, commonground, subprocess_env

KEY = "audit-key-of-the-protection-tests-0123456789abcdef"
OLD_KEY = "the-key-before-the-rotation-0123456789abcdefghij"
GUESSED = b"the attacker's guess at the key"
ENTRIES = 6


class Trail:
    """The trail as an attacker with database access sees it, and `audit verify` over it."""

    def __init__(self, tmp_path: Path) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self.tmp_path = tmp_path
        if self.sqlite:
            self.copy = tmp_path / "copy.sqlite3"
            source = sqlite3.connect(str(connection.settings_dict["NAME"]))
            target = sqlite3.connect(str(self.copy))
            with target:
                source.backup(target)  # a consistent copy, WAL included
            source.close()
            self.db = target

    def execute(self, sql: str, params: list[Any]) -> None:
        if self.sqlite:
            with self.db:
                self.db.execute(sql.replace("%s", "?"), params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    def rows(self) -> list[dict[str, Any]]:
        sql = (
            "SELECT sequence, source, source_id, timestamp, actor_id, actor, action, object_type,"
            " object_id, object_title, data, key_id, previous_hash, hash FROM core_auditentry"
            " ORDER BY sequence"
        )
        if self.sqlite:
            cursor = self.db.execute(sql)
        else:
            cursor = connection.cursor()
            cursor.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def verify(self, *args: str) -> tuple[int, str, str]:
        if self.sqlite:
            done = subprocess.run(
                commonground("audit", "verify", *args),
                env=subprocess_env(DATABASE_URL=f"sqlite:///{self.copy}", AUDIT_KEY=KEY),
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            return done.returncode, done.stdout, done.stderr
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("audit", "verify", *args, stdout=out, stderr=err)
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue(), err.getvalue()
        return 0, out.getvalue(), err.getvalue()

    # What the attacker does ----------------------------------------------------------------

    def rechain(self, start: int, *, secret: bytes | None, **changes: Any) -> None:
        """Rewrites entry ``start`` with ``changes`` and recomputes every hash from it on, and
        the head: keyed with ``secret`` (the attacker's guess), or with the old unkeyed
        algorithm (``secret=None``: key ids emptied)."""
        rows = self.rows()
        previous = next((r["hash"] for r in rows if r["sequence"] == start - 1), "0" * 64)
        key_id = key_id_for(secret) if secret else ""
        for row in rows:
            if row["sequence"] < start:
                continue
            if row["sequence"] == start:
                row.update(changes)
            content = _content(row, key_id=key_id)
            digest = content.hash(previous, secret)
            self.execute(
                "UPDATE core_auditentry SET actor = %s, data = %s, key_id = %s,"
                " previous_hash = %s, hash = %s WHERE sequence = %s",
                [row["actor"], row["data"], key_id, previous, digest, row["sequence"]],
            )
            previous = digest
        signature = ""
        if secret:
            message = head_message(
                sequence=rows[-1]["sequence"], entry_hash=previous, key_id=key_id
            )
            signature = hmac.new(secret, message, hashlib.sha256).hexdigest()
        self.execute(
            "UPDATE core_audithead SET hash = %s, key_id = %s, signature = %s WHERE id = 1",
            [previous, key_id, signature],
        )

    def truncate(self, count: int) -> int:
        """Deletes the newest ``count`` entries and moves the head back to the one before."""
        rows = self.rows()
        keep = rows[-count - 1]
        self.execute("DELETE FROM core_auditentry WHERE sequence > %s", [keep["sequence"]])
        self.execute(
            "UPDATE core_audithead SET sequence = %s, hash = %s WHERE id = 1",
            [keep["sequence"], keep["hash"]],
        )
        return int(keep["sequence"])


def _timestamp(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = datetime.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _content(row: dict[str, Any], *, key_id: str) -> EntryContent:
    return EntryContent(
        sequence=row["sequence"],
        source=row["source"],
        source_id=row["source_id"],
        timestamp=_timestamp(row["timestamp"]),
        actor_id=row["actor_id"],
        actor=row["actor"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        object_title=row["object_title"],
        data=row["data"],
        key_id=key_id,
    )


@pytest.fixture
def keyed(settings: Any) -> None:
    settings.AUDIT_KEY = KEY
    settings.AUDIT_KEYS_OLD = []


@pytest.fixture
def entries(keyed: None, transactional_db: None, django_db_serialized_rollback: None) -> int:
    """ENTRIES keyed entries, committed (the copy and the other process see them)."""
    for n in range(ENTRIES):
        author = Author.objects.create(name=f"Author {n}")
        log(author, "wagtail.create", user=None)
    return AuditHead.objects.get(pk=1).sequence


@pytest.fixture
def anchor_file(entries: int, tmp_path: Path) -> Path:
    path = tmp_path / "anchors.jsonl"
    call_command("audit", "anchor", "--file", str(path), stdout=io.StringIO())
    return path


@pytest.fixture
def trail(anchor_file: Path, tmp_path: Path) -> Iterator[Trail]:
    # The copy is taken after the anchor: the anchor is of the trail as it was.
    copy = Trail(tmp_path)
    yield copy
    if copy.sqlite:
        copy.db.close()


def test_verify_passes_on_the_untouched_copy(trail: Trail, entries: int, anchor_file: Path) -> None:
    code, out, err = trail.verify()
    assert code == 0, err
    assert f"chain intact up to #{entries}" in out
    assert f"keyed with {key_id_for(KEY.encode())}" in out

    code, out, err = trail.verify("--anchor", str(anchor_file))
    assert code == 0, err
    assert "checked 1 anchor(s) from 1 file(s):" in out
    assert f"ok anchors.jsonl line 1: #{entries} at " in out


def test_a_rewrite_rechained_with_a_guessed_key_fails(trail: Trail, entries: int) -> None:
    trail.rechain(3, secret=GUESSED, actor="mallory")
    code, _, err = trail.verify()
    assert code == 1
    # The rewritten entries name a key this server does not know: forged.
    assert "entry #3 names key" in err and "neither AUDIT_KEY nor in AUDIT_KEYS_OLD" in err


def test_a_rewrite_rechained_with_the_right_key_id_but_no_key_fails(
    trail: Trail, entries: int
) -> None:
    # Keeping the real key id does not help without the key itself.
    rows = trail.rows()
    row = {**rows[2], "actor": "mallory"}
    content = _content(row, key_id=row["key_id"])
    trail.execute(
        "UPDATE core_auditentry SET actor = %s, hash = %s WHERE sequence = %s",
        ["mallory", content.hash(row["previous_hash"], GUESSED), row["sequence"]],
    )
    code, _, err = trail.verify()
    assert code == 1
    assert f"entry #{row['sequence']} was altered: its hash does not match its content" in err


def test_a_rewrite_rechained_with_the_old_unkeyed_algorithm_fails(
    trail: Trail, entries: int, anchor_file: Path
) -> None:
    trail.rechain(4, secret=None, actor="mallory")
    code, _, err = trail.verify()
    assert code == 1
    assert "entry #4 is unkeyed (legacy format) after keyed entries" in err


def test_a_whole_trail_rewritten_as_legacy_is_reported_and_caught_by_the_anchor(
    trail: Trail, entries: int, anchor_file: Path
) -> None:
    # From entry #1 on, with the old algorithm: without an anchor this looks like a trail from
    # before the key, and verify says so (it never accepts it silently)...
    trail.rechain(1, secret=None, actor="mallory")
    code, out, err = trail.verify()
    assert code == 0, err
    assert f"legacy, unkeyed, up to sequence {entries}" in out
    assert "anyone with database access could have rewritten them" in out
    # ...and the anchor, written outside the database, shows the rewrite.
    code, out, err = trail.verify("--anchor", str(anchor_file))
    assert code == 1
    assert f"FAILED anchors.jsonl line 1: #{entries}" in out
    assert "the trail was rewritten and re-chained" in err


def test_truncation_with_the_head_moved_back_fails(
    trail: Trail, entries: int, anchor_file: Path
) -> None:
    kept = trail.truncate(2)
    assert kept == entries - 2
    code, _, err = trail.verify()
    assert code == 1
    assert f"the chain head's signature does not match (#{kept})" in err

    code, out, err = trail.verify("--anchor", str(anchor_file))
    assert code == 1
    assert (
        f"the trail was truncated: this anchor records #{entries}, the chain head is #{kept}" in out
    )


def test_truncation_with_an_unsigned_head_fails(trail: Trail, entries: int) -> None:
    kept = trail.truncate(2)
    trail.execute("UPDATE core_audithead SET signature = '', key_id = '' WHERE id = 1", [])
    code, _, err = trail.verify()
    assert code == 1
    assert f"the chain head (#{kept}) is not signed although its entry is keyed" in err


def test_a_forged_anchor_is_refused(trail: Trail, anchor_file: Path, tmp_path: Path) -> None:
    anchor = json.loads(anchor_file.read_text())
    forged = tmp_path / "forged.jsonl"
    forged.write_text(canonical_json({**anchor, "sequence": anchor["sequence"] - 1}) + "\n")
    code, out, _ = trail.verify("--anchor", str(forged))
    assert code == 1
    assert "its signature does not match: the anchor itself was forged or altered" in out


# Keys: legacy entries, rotation -------------------------------------------------------------


def _legacy_until(last_legacy: int, settings: Any) -> None:
    """Turns entries #1..last_legacy into format-1 entries (as written before the key), the
    rest re-keyed under the current key: the state of an upgraded installation."""
    secret = settings.AUDIT_KEY.encode()
    previous = "0" * 64
    for entry in AuditEntry.objects.order_by("sequence"):
        key_id = "" if entry.sequence <= last_legacy else key_id_for(secret)
        content = replace(entry.content(), key_id=key_id)
        digest = content.hash(previous, None if not key_id else secret)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET key_id = %s, previous_hash = %s, hash = %s"
                " WHERE sequence = %s",
                [key_id, previous, digest, entry.sequence],
            )
        previous = digest
    head = AuditHead.objects.get(pk=1)
    message = head_message(sequence=head.sequence, entry_hash=previous, key_id=key_id_for(secret))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_audithead SET hash = %s, key_id = %s, signature = %s WHERE id = 1",
            [previous, key_id_for(secret), hmac.new(secret, message, hashlib.sha256).hexdigest()],
        )


def _author(name: str) -> None:
    log(Author.objects.create(name=name), "wagtail.create", user=None)


def test_legacy_entries_verify_as_legacy_and_are_not_rekeyed(
    keyed: None, settings: Any, db: None
) -> None:
    for n in range(4):
        _author(f"Legacy {n}")
    head = AuditHead.objects.get(pk=1).sequence
    _legacy_until(head - 2, settings)
    report = verify_chain()
    assert report.intact, report.problem
    assert report.legacy_up_to == head - 2
    assert f"legacy, unkeyed, up to sequence {head - 2}" in report.summary()
    # New entries are keyed; the legacy ones stay as they were.
    _author("After")
    assert AuditEntry.objects.filter(sequence__lte=head - 2).exclude(key_id="").count() == 0
    assert verify_chain().legacy_up_to == head - 2


def test_a_rotated_key_verifies_while_the_old_key_is_known(
    keyed: None, settings: Any, db: None
) -> None:
    settings.AUDIT_KEY = OLD_KEY
    _author("Under the old key")
    settings.AUDIT_KEY = KEY
    settings.AUDIT_KEYS_OLD = [OLD_KEY]
    _author("Under the new key")
    report = verify_chain()
    assert report.intact, report.problem
    assert report.key_ids[-2:] == (key_id_for(OLD_KEY.encode()), key_id_for(KEY.encode()))

    settings.AUDIT_KEYS_OLD = []
    report = verify_chain()
    assert not report.intact
    assert f"names key {key_id_for(OLD_KEY.encode())}" in (report.problem or "")
