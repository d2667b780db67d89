-- A write and a clear are one statement each after the connection's setting, without the SELECT that followed them.
-- That SELECT answered a refused write with the version it was given; the provider takes no row at all as a conflict
-- too (no new version back, whether or not the writer had read one), so it only cost a statement to compile and run
-- with every write. What is checked is unchanged: a write or clear from any version but the stored one changes
-- nothing and is refused; a first write finding a row written by another is refused too.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', 'PRAGMA synchronous = NORMAL;
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
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', 'PRAGMA synchronous = NORMAL;
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
');
