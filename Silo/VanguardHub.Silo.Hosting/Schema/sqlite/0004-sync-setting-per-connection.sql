-- Each connection now commits with synchronous=NORMAL from the moment it opens (SqliteConnectionSetup), so the write
-- and clear queries no longer set it again with every statement: a write is its upsert alone. A connection the
-- setting did not reach commits with SQLite's default, FULL, which syncs every commit itself: slower, as safe.
UPDATE OrleansQuery
SET QueryText = ltrim(substr(QueryText, length('PRAGMA synchronous = NORMAL;') + 1), char(10, 13, 32))
WHERE QueryKey IN ('WriteToStorageKey', 'ClearStorageKey')
  AND QueryText LIKE 'PRAGMA synchronous = NORMAL;%';
