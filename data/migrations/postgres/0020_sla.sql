-- Issue 14 ("Targets that respect working time", "Numbers for the people who
-- decide"): the service-level policy (internal/sla) and each ticket's clock.
--
-- The policy: one settings row (time zone, business hours per weekday as
-- JSON {"0":[[start,end],…],…} in minutes after local midnight, Sunday = 0,
-- the at-risk share), the holidays, and the targets per priority, for every
-- topic (topic '') or one topic (an override). Durations are seconds of
-- working time. No settings row = every second counts (the product before
-- issue 14).
CREATE TABLE sla_settings (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    time_zone    TEXT    NOT NULL,
    hours        TEXT    NOT NULL,
    risk_percent BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE sla_holidays (
    day TEXT PRIMARY KEY -- YYYY-MM-DD, local to the time zone
);

CREATE TABLE sla_targets (
    topic          TEXT    NOT NULL,
    priority       TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    first_response BIGINT NOT NULL,
    resolution     BIGINT NOT NULL,
    PRIMARY KEY (topic, priority)
);

-- A ticket's clock (sla.Clock): sla_used seconds of working time counted
-- before sla_since, when it last started; sla_since = 0 while it stands (the
-- ticket waits for the customer: pending or resolved; or it is closed), since
-- sla_paused_at, the moment its timers are judged at meanwhile. The
-- due columns of 0005 stay the wall-clock moments the running clock reaches
-- its targets, computed when the ticket's state changes, so the queue never
-- walks a calendar to sort.
-- sla_state: 0 on track, 1 at risk, 2 breached (the next running timer), set
-- by the sweep; sla_check_at: when the sweep looks at the ticket next (0:
-- never, the clock stands or is breached).
-- first_response_work, resolution_work: the working time to the first
-- answer and to the resolution (seconds, -1 until then), for the reports.
ALTER TABLE tickets ADD COLUMN sla_used BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN sla_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN sla_paused_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN sla_state BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN sla_check_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN first_response_work BIGINT NOT NULL DEFAULT -1;
ALTER TABLE tickets ADD COLUMN resolution_work BIGINT NOT NULL DEFAULT -1;

-- Tickets from before: their clocks ran every second since creation.
UPDATE tickets SET sla_since = created_at, sla_check_at = next_due WHERE status IN ('new', 'open');
UPDATE tickets SET sla_used = updated_at - created_at, sla_paused_at = updated_at WHERE status IN ('pending', 'resolved');
UPDATE tickets SET first_response_work = first_response_at - created_at WHERE first_response_at > 0;
UPDATE tickets SET resolution_work = resolved_at - created_at WHERE resolved_at > 0;

CREATE INDEX tickets_sla_check ON tickets (sla_check_at) WHERE sla_check_at > 0;
-- The reports (internal/tickets/reports): tickets created in a range of days,
-- covering every number a report reads, so a 90-day report over 100,000
-- tickets reads this index alone; and those answered or resolved in it.
CREATE INDEX tickets_by_created ON tickets (created_at, first_response_at, resolved_at, topic, assignee_id,
    first_response_work, resolution_work, first_response_due, resolution_due, rating_score, rated_at, id);
CREATE INDEX tickets_by_resolved ON tickets (resolved_at, created_at) WHERE resolved_at > 0;
CREATE INDEX tickets_by_first_response ON tickets (first_response_at, created_at) WHERE first_response_at > 0;
-- The ratings with a comment in a range (the report lists their tickets).
CREATE INDEX tickets_by_rated ON tickets (rated_at) WHERE rating_score > 0;
