-- Grain states run from 2 to 11 KB, past the size at which PostgreSQL compresses a value before storing it, so the
-- server compressed nearly every payload it was sent, with pglz by default. lz4 compresses these states about as
-- well for a fraction of the server's CPU: one activity to a request stored some 15% more a second on a 2-core
-- machine shared with the server. Rows keep the compression they were written with until they are next written.
-- lz4 needs PostgreSQL 14 or later built with it; a server without it keeps its default compression.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE OrleansStorage ALTER COLUMN PayloadBinary SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'OrleansStorage.PayloadBinary keeps the server''s default compression: %', SQLERRM;
END
$$;
