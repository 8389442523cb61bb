"""The SQL that keeps ``Project.conversation_count`` and ``last_conversation_*`` exact.

Row triggers on the conversation table recount the project(s) a changed row left or joined, in
the same transaction, whatever wrote the row (ORM save, ``QuerySet.update``, bulk import,
cascade, raw SQL). The ``WHEN`` clauses make the trigger free for conversations outside any
project, so the message-append path pays nothing unless the conversation is in a project.

Concurrency: the recount first locks the project rows it touches (lowest id first, so two
moves in opposite directions cannot deadlock); in READ COMMITTED the recount statement then
takes a fresh snapshot that includes every transaction that held the lock before, so two
concurrent moves into one project both count. Expired (temporary) conversations do not count.
Callers that move many conversations at once lock their projects in id order first
(``convos_app.services.projects``), so a statement's rows never take project locks out of
order.
"""

from __future__ import annotations

FUNCTION = "convos_app_project_recount"

INSTALL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(a bigint, b bigint) RETURNS void AS $$
BEGIN
    PERFORM 1 FROM convos_app_project WHERE id IN (a, b) ORDER BY id FOR UPDATE;
    UPDATE convos_app_project AS p SET
        conversation_count = (
            SELECT count(*) FROM convos_app_conversation c
            WHERE c.project_id = p.id AND c.expired_at IS NULL
        ),
        last_conversation_at = latest.updated_at,
        last_conversation_id = latest.conversation_id
    FROM convos_app_project AS me
    LEFT JOIN LATERAL (
        SELECT c.updated_at, c.conversation_id FROM convos_app_conversation c
        WHERE c.project_id = me.id AND c.expired_at IS NULL
        ORDER BY c.updated_at DESC, c.id DESC LIMIT 1
    ) AS latest ON true
    WHERE p.id IN (a, b) AND me.id = p.id;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION {FUNCTION}_row() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM {FUNCTION}(NEW.project_id, NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM {FUNCTION}(OLD.project_id, NULL);
    ELSE
        PERFORM {FUNCTION}(OLD.project_id, NEW.project_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER convos_app_project_count_insert
    AFTER INSERT ON convos_app_conversation FOR EACH ROW
    WHEN (NEW.project_id IS NOT NULL)
    EXECUTE FUNCTION {FUNCTION}_row();
CREATE TRIGGER convos_app_project_count_delete
    AFTER DELETE ON convos_app_conversation FOR EACH ROW
    WHEN (OLD.project_id IS NOT NULL)
    EXECUTE FUNCTION {FUNCTION}_row();
CREATE TRIGGER convos_app_project_count_update
    AFTER UPDATE OF project_id, updated_at, expired_at ON convos_app_conversation FOR EACH ROW
    WHEN (
        OLD.project_id IS DISTINCT FROM NEW.project_id
        OR (NEW.project_id IS NOT NULL AND (
            OLD.updated_at IS DISTINCT FROM NEW.updated_at
            OR OLD.expired_at IS DISTINCT FROM NEW.expired_at
        ))
    )
    EXECUTE FUNCTION {FUNCTION}_row();
"""

UNINSTALL = f"""
DROP TRIGGER IF EXISTS convos_app_project_count_insert ON convos_app_conversation;
DROP TRIGGER IF EXISTS convos_app_project_count_delete ON convos_app_conversation;
DROP TRIGGER IF EXISTS convos_app_project_count_update ON convos_app_conversation;
DROP FUNCTION IF EXISTS {FUNCTION}_row();
DROP FUNCTION IF EXISTS {FUNCTION}(bigint, bigint);
"""
