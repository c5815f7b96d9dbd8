-- Issue 15 ("Caches stay correct across instances"): presence on a ticket,
-- which agents have it open and who is writing a reply, shared by every
-- instance on one database (it was one process's memory). A row is an
-- agent's last poll on a ticket: the reference, the agent's account id,
-- whether a reply is being written (0/1) and when (unix seconds). Readers
-- count only rows newer than tickets.PresenceTTL; the tickets sweep deletes
-- older ones. Nothing here is secret: no reply text, no name.
--
-- UNLOGGED: presence is worth 30 seconds, so its writes skip the WAL (no
-- flush at commit); after a crash, or on a standby promoted, the table
-- starts empty and the agents' next polls fill it again.
CREATE UNLOGGED TABLE ticket_presence (
    reference TEXT   NOT NULL,
    agent_id  BIGINT NOT NULL,
    writing   BIGINT NOT NULL DEFAULT 0,
    seen_at   BIGINT NOT NULL,
    PRIMARY KEY (reference, agent_id)
);
