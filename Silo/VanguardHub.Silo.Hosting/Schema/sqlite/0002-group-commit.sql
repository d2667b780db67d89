-- Group commit: a write commits without syncing the write-ahead log, and the storage path acknowledges it only after
-- a shared fsync of the log that started after the commit (WalGroupSync). Each connection the provider opens gets the
-- setting from the query it runs; SQLite's own checkpoints still sync the log and the database as they must.
UPDATE OrleansQuery
SET QueryText = 'PRAGMA synchronous = NORMAL;' || QueryText
WHERE QueryKey IN ('WriteToStorageKey', 'ClearStorageKey')
  AND QueryText NOT LIKE 'PRAGMA synchronous%';
