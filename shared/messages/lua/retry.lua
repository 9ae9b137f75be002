-- retry: an attempt to write a message to the socket failed. The message goes back to its place in the
-- outbox, or fails (with its event) once it had ARGV[10] attempts.
--
-- KEYS[1] outboxes index
-- ARGV[1..7] the common header (lib/header.lua)   ARGV[8] session id   ARGV[9] message id
-- ARGV[10] most attempts   ARGV[11] reason when it fails
--
-- Returns 'requeued', 'failed' or 'done' (already sent, failed or gone).
--!include lib/header.lua
return retry_or_fail(ARGV[8], ARGV[9], tonumber(ARGV[10]), ARGV[11], KEYS[1])
