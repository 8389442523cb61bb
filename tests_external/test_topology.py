"""Two web hosts on one primary + replica + Redis, through PgBouncer: the shared rate limit,
a LibreChat-style session across both hosts, reads on the replica with read-your-writes, and
the replica going down (README "Production"; chatcore/replicas.py)."""

from __future__ import annotations

import subprocess
import time
import uuid

import requests

from tests.librechat_client import run_client
from tests_external.conftest import PIN_SECONDS, PSQL, REPLICA_APP, SERVICES

PASSWORD = "a-long-topology-passphrase"


def register(host, email: str) -> dict:
    answer = requests.post(
        f"{host.url}/api/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Topology"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_message(host, token: str, text: str) -> str:
    conversation_id = str(uuid.uuid4())
    answer = requests.post(
        f"{host.url}/api/messages/{conversation_id}",
        headers=bearer(token),
        json={
            "messageId": str(uuid.uuid4()),
            "text": text,
            "sender": "User",
            "isCreatedByUser": True,
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return conversation_id


def conversation_ids(host, token: str) -> list[str]:
    answer = requests.get(f"{host.url}/api/convos", headers=bearer(token), timeout=30)
    assert answer.status_code == 200, answer.text
    return [convo["conversationId"] for convo in answer.json()["conversations"]]


def test_two_gunicorn_hosts_share_one_login_rate_limit(web_hosts, cache):
    a, b = web_hosts
    wrong = {"email": "nobody@example.com", "password": "not-the-password"}

    statuses = [
        requests.post(f"{host.url}/api/auth/login", json=wrong, timeout=30).status_code
        for host in (a, b, a, b, a, b, a)
    ]
    refused = [
        requests.post(f"{host.url}/api/auth/login", json=wrong, timeout=30) for host in (b, a)
    ]

    # LOGIN_RATE is 7/min per client IP: seven attempts in all, whichever host took them.
    assert statuses == [401] * 7
    assert [answer.status_code for answer in refused] == [429, 429]
    assert all(int(answer.headers["Retry-After"]) >= 1 for answer in refused)
    assert refused[0].json()["error"] == refused[1].json()["error"]
    assert [key for key in cache.keys("*") if b"throttle:auth_rates:login" in key]


def test_a_librechat_session_moves_between_hosts(web_hosts, cache):
    a, b = web_hosts
    register(a, "session@example.com")
    browser = requests.Session()

    login = browser.post(
        f"{a.url}/api/auth/login",
        json={"email": "session@example.com", "password": PASSWORD},
        timeout=30,
    )
    refreshed = browser.post(f"{b.url}/api/auth/refresh", timeout=30)
    replayed = requests.post(
        f"{a.url}/api/auth/refresh",
        cookies={"refreshToken": login.cookies["refreshToken"]},
        timeout=30,
    )
    token = refreshed.json()["token"]
    conversation_id = post_message(a, token, "Written on host A")
    on_b = run_client(
        b.url,
        f"const page = await dataService.listConversations({{ limit: 5 }});"
        f" const messages = await dataService.getMessagesByConvoId({conversation_id!r});"
        " return [page.conversations.map((c) => c.conversationId), messages.map((m) => m.text)];",
        token=token,
    )

    assert login.status_code == 200, login.text
    assert refreshed.status_code == 200, refreshed.text
    # The refresh on B blacklisted the first refresh token: A refuses it.
    assert replayed.status_code == 401
    assert on_b.ok, on_b
    assert on_b.value == [[conversation_id], ["Written on host A"]]


def test_reads_go_to_the_replica_and_a_writer_reads_its_own_writes(web_hosts, servers, cache):
    a, b = web_hosts
    token = register(a, "replica@example.com")["token"]
    first = post_message(a, token, "Before the pause")
    servers.wait_for_replay()
    time.sleep(PIN_SECONDS + 0.5)  # the registration's and the first write's pins expire

    servers.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        second = post_message(a, token, "While the replica is paused")
        pinned_read = conversation_ids(b, token)
        pinned = [key for key in cache.keys("*") if b"db-primary-pin" in key]
        time.sleep(PIN_SECONDS + 0.5)
        replica_read = conversation_ids(b, token)
        replica_backends = servers.replica_sql(
            "SELECT query FROM pg_stat_activity WHERE application_name = %s", REPLICA_APP
        )
    finally:
        servers.replica_sql("SELECT pg_wal_replay_resume()")
    servers.wait_for_replay()
    caught_up_read = conversation_ids(b, token)

    # Right after its write the user reads the primary, on the other host too.
    assert pinned_read == [second, first]
    assert len(pinned) == 1
    # Once the pin expires, reads come from the (paused, so stale) replica...
    assert replica_read == [first]
    assert any("convos_app_conversation" in query for (query,) in replica_backends)
    # ...which, replaying again, serves the write.
    assert caught_up_read == [second, first]


def test_a_replica_that_is_down_degrades_to_the_primary_with_a_warning(web_hosts, servers, cache):
    a, b = web_hosts
    token = register(a, "degraded@example.com")["token"]
    conversation_id = post_message(a, token, "Written before the replica stops")
    servers.wait_for_replay()
    time.sleep(PIN_SECONDS + 0.5)
    assert conversation_ids(b, token) == [conversation_id]  # a replica read, connection kept

    subprocess.run([str(SERVICES), "replica-stop"], check=True)
    try:
        while_down = [conversation_ids(host, token) for host in (b, a, b)]
    finally:
        subprocess.run([str(SERVICES), "replica-start"], check=True)

    assert while_down == [[conversation_id]] * 3
    assert "read replica replica_0 unreachable, reading from the primary" in b.log_text()


def test_the_hosts_reach_the_primary_through_pgbouncer_in_transaction_mode(web_hosts, servers):
    a, _ = web_hosts
    assert requests.get(f"{a.url}/healthz", timeout=30).json() == {
        "status": "ok",
        "database": "ok",
    }

    pools = subprocess.run(
        [PSQL, servers.pgbouncer.rsplit("/", 1)[0] + "/pgbouncer", "-AtF", "|", "-c", "SHOW POOLS"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    topology = [line.split("|") for line in pools if line.startswith("chatcore_topology|")]
    assert topology, pools
    assert topology[0][-1] == "transaction"
