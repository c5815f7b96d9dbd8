-- Issue 15 ("Caches stay correct across instances"): presence on a ticket,
-- which agents have it open and who is writing a reply, shared by every
-- instance on one database (it was one process's memory). A row is an
-- agent's last poll on a ticket: the reference, the agent's account id,
-- whether a reply is being written (0/1) and when (unix seconds). Readers
-- count only rows newer than tickets.PresenceTTL; the tickets sweep deletes
-- older ones. Nothing here is secret: no reply text, no name.
CREATE TABLE ticket_presence (
    reference TEXT    NOT NULL,
    agent_id  INTEGER NOT NULL,
    writing   INTEGER NOT NULL DEFAULT 0,
    seen_at   INTEGER NOT NULL,
    PRIMARY KEY (reference, agent_id)
) WITHOUT ROWID;
