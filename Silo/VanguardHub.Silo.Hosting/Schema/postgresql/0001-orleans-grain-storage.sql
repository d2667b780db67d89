-- Grain state for Orleans' ADO.NET storage provider, on PostgreSQL.
--
-- One row per grain, keyed by its full identity (hashes first, for the index; the full type name, numeric key parts,
-- string key and service id too, because hashes collide). The string key is stored as '' when the grain has none so
-- that the identity is one unique key and a write can be one atomic upsert.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash             integer      NOT NULL,
    GrainIdN0               bigint       NOT NULL,
    GrainIdN1               bigint       NOT NULL,
    GrainTypeHash           integer      NOT NULL,
    GrainTypeString         varchar(512) NOT NULL,
    GrainIdExtensionString  varchar(512) NOT NULL DEFAULT '',
    ServiceId               varchar(150) NOT NULL,
    PayloadBinary           bytea        NULL,
    ModifiedOn              timestamptz  NOT NULL,
    Version                 integer      NOT NULL,
    CONSTRAINT UX_OrleansStorage_Identity UNIQUE
        (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
);

-- The providers (storage and clustering) read the text of each query from here when they start.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- Write: insert the first version, or bump the version if the caller read the current one; in one statement, so a
-- concurrent writer of the same grain either waits on the row or conflicts on the unique key. The provider takes the
-- single NewGrainStateVersion it gets back; the version it sent (or nothing) means somebody else wrote first.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
WITH written AS (
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    VALUES
        (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @ServiceId, @PayloadBinary,
         now(), 1)
    ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString) DO UPDATE SET
        PayloadBinary = EXCLUDED.PayloadBinary,
        ModifiedOn = EXCLUDED.ModifiedOn,
        Version = OrleansStorage.Version + 1
    WHERE OrleansStorage.Version = @GrainStateVersion
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM written
UNION ALL
SELECT CAST(@GrainStateVersion AS integer) AS NewGrainStateVersion
WHERE NOT EXISTS (SELECT 1 FROM written) AND @GrainStateVersion IS NOT NULL;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
LIMIT 1;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Clear keeps the row (and its version) and drops the payload, with the same version check as a write.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
WITH cleared AS (
    UPDATE OrleansStorage
    SET PayloadBinary = NULL,
        ModifiedOn = now(),
        Version = Version + 1
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
      AND Version = @GrainStateVersion
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM cleared
UNION ALL
SELECT CAST(@GrainStateVersion AS integer) AS NewGrainStateVersion
WHERE NOT EXISTS (SELECT 1 FROM cleared) AND @GrainStateVersion IS NOT NULL;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
