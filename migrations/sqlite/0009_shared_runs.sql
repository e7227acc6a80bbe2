-- Runs shared across replicas: a run split into chunks of children (key ranges) that any
-- `carecheck serve` replica or `carecheck worker` claims under a lease. A chunk's children are
-- logged in the same transaction that marks it done, by the claim's owner only, so each child is
-- logged exactly once however many replicas took part or died.
CREATE TABLE run_chunks (
    run_id          TEXT    NOT NULL,
    chunk           INTEGER NOT NULL,
    -- Children with keys after `after_*` (none: from the first) up to and including `last_*`.
    after_authority TEXT,
    after_child_id  TEXT,
    last_authority  TEXT    NOT NULL,
    last_child_id   TEXT    NOT NULL,
    -- Who started the run, as audit rows name them (JSON).
    actor           TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'claimed', 'done')),
    owner           TEXT,
    lease_until     TEXT,
    claims          INTEGER NOT NULL DEFAULT 0,
    children        INTEGER NOT NULL DEFAULT 0,
    results         INTEGER NOT NULL DEFAULT 0,
    errors          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, chunk)
);
CREATE INDEX run_chunks_open ON run_chunks (state) WHERE state <> 'done';

-- The chunk (or, for a run on one process, the page) a child was evaluated in: its batches
-- were formed within it, so a replay evaluates the same children together.
ALTER TABLE run_children ADD COLUMN chunk INTEGER;
