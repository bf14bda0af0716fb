-- paperbot's state, version 5: digest days compressed with LZ4. The digest
-- rewrites a channel's day record (a few kilobytes of JSON, the day's
-- papers with their abstracts) before and after every message it posts;
-- compressing it with pglz, the default, was the largest single cost of
-- those writes on the server. LZ4 compresses several times faster, at a
-- slightly larger size. Records already stored keep their compression
-- until rewritten. A server built without LZ4 keeps the default: the
-- records and every query are the same either way.

DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
		ALTER TABLE digest_days ALTER COLUMN record SET COMPRESSION lz4;
	END IF;
END
$$;
