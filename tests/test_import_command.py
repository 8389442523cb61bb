"""``manage.py import_conversations`` / ``export_conversations``: doors onto the same services."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from convos_app.models import Conversation
from tests.factories import ConversationFactory, message_chain
from tests.test_import_formats import FIXTURES


def run(name: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_command_imports_files_and_prints_a_summary(user):
    out, err = run(
        "import_conversations",
        str(FIXTURES / "chatgpt" / "export.json"),
        str(FIXTURES / "chatgpt" / "modern-export.json"),
        "--user",
        "ALICE@example.com",
    )

    # tests/fixtures/imports/chatgpt: export.json holds 2 conversations of 9 + 4 messages;
    # modern-export.json 2 of 4 + 2 messages and 2 broken entries (#1 and #3)
    export, modern = (
        FIXTURES / "chatgpt" / "export.json",
        FIXTURES / "chatgpt" / "modern-export.json",
    )
    assert f"{export}: imported 2 conversations, 10 messages" in out
    assert f"{modern}: imported 2 conversations, 6 messages" in out
    assert "skipped #1 'Half-synced chat': Conversation has no message mapping" in out
    assert "skipped #3 'Draft from the mobile app': Conversation has no valid create_time" in out
    assert "Total: 4 conversations, 16 messages, 2 skipped" in out
    assert "4 conversations" not in err  # progress lines are per file
    assert "2 conversations, 10 messages" in err  # final progress line (not a TTY: plain)
    assert Conversation.objects.filter(user=user).count() == 4


@pytest.mark.django_db
def test_import_command_dry_run_writes_nothing(user):
    out, _ = run(
        "import_conversations",
        str(FIXTURES / "librechat" / "tree.json"),
        "--user",
        user.email,
        "--dry-run",
    )
    assert "would import 1 conversations, 9 messages (librechat)" in out
    assert not Conversation.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_import_command_fails_clearly(user, tmp_path: Path):
    bad = tmp_path / "notes.txt"
    bad.write_text("just notes")
    with pytest.raises(
        CommandError,
        match=(
            r"notes\.txt: The file is not valid JSON "
            r"\(lexical error: invalid char in json text\.\); nothing imported"
        ),
    ):
        run("import_conversations", str(bad), "--user", user.email)
    with pytest.raises(CommandError, match=r"No user with email nobody@example\.com"):
        run("import_conversations", str(bad), "--user", "nobody@example.com")
    with pytest.raises(CommandError, match=r"missing\.json: cannot open"):
        run("import_conversations", str(tmp_path / "missing.json"), "--user", user.email)
    assert not Conversation.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_export_command_writes_a_reimportable_file(user, other_user, tmp_path: Path):
    convo = ConversationFactory(user=user, title="Keep me")
    message_chain(convo, 4)
    ConversationFactory(user=user, title="Not selected")
    target = tmp_path / "out.json"

    _, err = run(
        "export_conversations",
        "--user",
        user.email,
        "--conversation",
        convo.conversation_id,
        "--output",
        str(target),
    )

    assert f"Exported 1 conversations, 4 messages (json) to {target}" in err
    documents = json.loads(target.read_text())
    assert [d["title"] for d in documents] == ["Keep me"]
    assert not (tmp_path / "out.json.partial").exists()
    out, _ = run("import_conversations", str(target), "--user", other_user.email)
    assert "imported 1 conversations, 4 messages (librechat)" in out


@pytest.mark.django_db
def test_export_command_to_stdout_as_csv_and_unknown_ids_fail(user):
    convo = ConversationFactory(user=user)
    message_chain(convo, 2)
    out, _ = run("export_conversations", "--user", user.email, "--format", "csv")
    assert out.splitlines()[0].startswith("conversationId,conversationTitle")
    assert len(out.splitlines()) == 3
    with pytest.raises(CommandError, match="Conversation not found"):
        run("export_conversations", "--user", user.email, "--conversation", "nope")
