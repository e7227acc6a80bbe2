-- The client's own request id, kept beside the id the server gives every request (which is
-- the one in request_id): a client's id is never trusted as the request id.
ALTER TABLE audit_log ADD COLUMN client_request_id TEXT;
