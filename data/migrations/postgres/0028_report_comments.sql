-- Issue 14 ("Numbers for the people who decide", session 20): the ratings
-- with a comment in a range, latest first (reports.sqlCommented lists their
-- tickets, at most 50). tickets_by_rated holds every rating, so the listing
-- read each rated ticket's row to see whether it had a comment, through the
-- whole range when few do (≈ 35 ms of a 90-day report over 100,000
-- tickets); this index holds only the commented ones. No content: a time.
CREATE INDEX tickets_by_commented ON tickets (rated_at) WHERE rating_score > 0 AND rating_sealed IS NOT NULL;
