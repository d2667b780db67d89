-- Grain state for Orleans' ADO.NET storage provider, on SQLite.
--
-- One row per grain. The provider hashes the grain id and type into two ints and reads the hashes first;
-- the full identity (type name, numeric key parts, string key, service id) is compared too, because hashes collide.
-- The string key is stored as '' when the grain has none, so that the identity can be one UNIQUE key and a write
-- can be a single atomic upsert: SQLite takes one writer at a time, and one statement needs no transaction.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash             INTEGER NOT NULL,
    GrainIdN0               INTEGER NOT NULL,
    GrainIdN1               INTEGER NOT NULL,
    GrainTypeHash           INTEGER NOT NULL,
    GrainTypeString         TEXT    NOT NULL,
    GrainIdExtensionString  TEXT    NOT NULL DEFAULT '',
    ServiceId               TEXT    NOT NULL,
    PayloadBinary           BLOB    NULL,
    ModifiedOn              TEXT    NOT NULL,
    Version                 INTEGER NOT NULL,
    CONSTRAINT UX_OrleansStorage_Identity UNIQUE
        (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
);

-- The provider reads the text of each query from here when it starts.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

-- Write: insert the first version, or bump the version if the caller read the current one.
-- The provider takes the single NewGrainStateVersion it gets back; an unchanged version (or none) means
-- somebody else wrote first, and it raises an InconsistentStateException.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
INSERT INTO OrleansStorage
    (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
VALUES
    (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @ServiceId, @PayloadBinary,
     strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), 1)
ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString) DO UPDATE SET
    PayloadBinary = excluded.PayloadBinary,
    ModifiedOn = excluded.ModifiedOn,
    Version = OrleansStorage.Version + 1
WHERE OrleansStorage.Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;

SELECT @GrainStateVersion AS NewGrainStateVersion
WHERE changes() = 0 AND @GrainStateVersion IS NOT NULL;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
LIMIT 1;
');

-- Clear keeps the row (and its version) and drops the payload, with the same version check as a write.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL,
    ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''),
    Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;

SELECT @GrainStateVersion AS NewGrainStateVersion
WHERE changes() = 0 AND @GrainStateVersion IS NOT NULL;
');
