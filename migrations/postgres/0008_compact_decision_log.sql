-- The decision log kept compact: each child's outcomes as zstd-compressed JSON in `packed`
-- (about a seventh of the text; a 2,675-child run wrote 48 MB of outcomes). Rows written
-- before this keep their outcomes as text, and `outcomes` is left empty in new rows.
ALTER TABLE run_children ADD COLUMN packed BYTEA;
