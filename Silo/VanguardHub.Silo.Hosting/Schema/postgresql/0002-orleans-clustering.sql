-- Cluster membership for Orleans' ADO.NET clustering provider (Microsoft.Orleans.Clustering.AdoNet 10.4.x,
-- invariant "Npgsql"), on PostgreSQL.
--
-- The provider reads every row of OrleansQuery when it starts (created by 0001) and runs these texts with named
-- parameters (@Name; Npgsql binds them). It refuses to start unless all nine required keys are present;
-- CleanupDefunctSiloEntryKey is optional and, when present, replaces CleanupDefunctSiloEntriesKey.
--
-- The contract, as the provider reads it:
-- - One version row per cluster (DeploymentId = the ClusterId) in OrleansMembershipVersionTable. Its Version is the
--   table's ETag: the provider sends the Version it last read with every insert and update (@Version, int), and a
--   write succeeds only if the row still has that Version; each successful write adds 1. Every member row is given
--   the same ETag (the table version) when read.
-- - Reads return the version row LEFT JOINed to the members, so they always give at least one row while the version
--   row exists (a row with NULL member columns and the Version when there are no members). With no version row they
--   give nothing, and the provider fails (it reads the first row unconditionally): a silo inserts the version row
--   through InsertMembershipVersionKey when it starts, before anything else.
-- - Columns are read by name: Address (text), Port, Generation, Status, ProxyPort (int4, read with GetInt32),
--   SiloName, HostName, SuspectTimes (text), StartTime, IAmAliveTime (timestamptz, read as UTC), Version (any int).
--   A NULL StartTime means "no member in this row".
-- - Writes answer one row with one column that is true (or non-zero) on success, false on a lost race; a failed write
--   changes nothing (no version bump without the member change).
-- - Heartbeats (UpdateIAmAlivetimeKey) touch only IAmAliveTime and never the version.
-- - Status values (Orleans SiloStatus): 0 None, 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead.
--
-- Each write is a single statement, so it is atomic on its own (the provider opens no transaction); the version row
-- is locked (FOR UPDATE) before the member row is touched, so two silos racing with the same ETag serialise and the
-- second finds the version changed.

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation: (address, port, generation) identifies it within a cluster.
-- SuspectTimes is the provider's own text: "address:port@generation,yyyy-MM-dd HH:mm:ss.fff GMT|…".
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)  NOT NULL,
    Address      varchar(45)   NOT NULL,
    Port         integer       NOT NULL,
    Generation   integer       NOT NULL,
    SiloName     varchar(150)  NOT NULL,
    HostName     varchar(150)  NOT NULL,
    Status       integer       NOT NULL,
    ProxyPort    integer       NOT NULL DEFAULT 0,
    SuspectTimes varchar(8000) NULL,
    StartTime    timestamptz   NOT NULL,
    IAmAliveTime timestamptz   NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- InsertMembershipVersionKey (@DeploymentId): create the cluster's version row (Version 0) unless it exists.
-- Returns one row: true when this call created it, false when it was already there.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted) AS Inserted;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- MembershipReadAllKey (@DeploymentId): the version row and every member of the cluster.
-- No members: one row with NULL member columns and the Version. No version row: no rows.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', $q$
SELECT
    v.DeploymentId,
    m.Address,
    m.Port,
    m.Generation,
    m.SiloName,
    m.HostName,
    m.Status,
    m.ProxyPort,
    m.SuspectTimes,
    m.StartTime,
    m.IAmAliveTime,
    v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- MembershipReadRowKey (@DeploymentId, @Address, @Port, @Generation): the version row and the one silo, if present.
-- Same columns and same empty-member shape as MembershipReadAllKey.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', $q$
SELECT
    v.DeploymentId,
    m.Address,
    m.Port,
    m.Generation,
    m.SiloName,
    m.HostName,
    m.Status,
    m.ProxyPort,
    m.SuspectTimes,
    m.StartTime,
    m.IAmAliveTime,
    v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
    ON m.DeploymentId = v.DeploymentId
   AND m.Address = @Address
   AND m.Port = @Port
   AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- InsertMembershipKey (@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
-- @StartTime, @IAmAliveTime, @Version): add a silo if the table is still at @Version, and bump the version.
-- Returns one row: true if both happened; false (and nothing changed) if the version moved on or the silo's row
-- already exists.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', $q$
WITH expected AS (
    SELECT DeploymentId
    FROM OrleansMembershipVersionTable
    WHERE DeploymentId = @DeploymentId AND Version = @Version
    FOR UPDATE
), inserted AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT e.DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
           @StartTime, @IAmAliveTime
    FROM expected e
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING
    RETURNING DeploymentId
), bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    FROM inserted i
    WHERE v.DeploymentId = i.DeploymentId
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM bumped) AS Succeeded;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- UpdateMembershipKey (@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime,
-- @Version): change a silo's status, suspicions and IAmAliveTime if the table is still at @Version, and bump the
-- version. Returns one row: true if both happened; false (and nothing changed) if the version moved on or there is
-- no such silo.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', $q$
WITH expected AS (
    SELECT DeploymentId
    FROM OrleansMembershipVersionTable
    WHERE DeploymentId = @DeploymentId AND Version = @Version
    FOR UPDATE
), updated AS (
    UPDATE OrleansMembershipTable m
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    FROM expected e
    WHERE m.DeploymentId = e.DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    RETURNING m.DeploymentId
), bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    FROM updated u
    WHERE v.DeploymentId = u.DeploymentId
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM bumped) AS Succeeded;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- UpdateIAmAlivetimeKey (@DeploymentId, @Address, @Port, @Generation, @IAmAliveTime): a silo's heartbeat.
-- Touches only IAmAliveTime, never the version; the provider reads no result.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', $q$
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId
  AND Address = @Address AND Port = @Port AND Generation = @Generation;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- GatewaysQueryKey (@DeploymentId, @Status): the gateways clients may connect to; the provider sends
-- @Status = 3 (Active). Columns Address, ProxyPort, Generation.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Status = @Status
  AND ProxyPort > 0;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- DeleteMembershipTableEntriesKey (@DeploymentId): forget the whole cluster, members and version row (the next silo
-- to start creates the version row again). The provider reads no result.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', $q$
WITH members AS (
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId
)
DELETE FROM OrleansMembershipVersionTable
WHERE DeploymentId = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- CleanupDefunctSiloEntriesKey (@DeploymentId, @IAmAliveTime = the cutoff): delete the rows of Dead silos (6) whose
-- start, last heartbeat and every suspicion vote are all older than the cutoff. A vote whose time cannot be read
-- counts as recent, so the row stays. No version bump. The 10.4 provider uses this only when the database has no
-- CleanupDefunctSiloEntryKey (below), but it must exist.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM OrleansMembershipTable m
WHERE m.DeploymentId = @DeploymentId
  AND m.Status = 6
  AND m.StartTime < @IAmAliveTime
  AND m.IAmAliveTime < @IAmAliveTime
  AND NOT EXISTS (
      SELECT 1
      FROM unnest(string_to_array(COALESCE(m.SuspectTimes, ''), '|')) AS vote(entry)
      WHERE vote.entry <> ''
        AND (split_part(vote.entry, ',', 2) !~ '^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} GMT$'
             OR (left(split_part(vote.entry, ',', 2), 23)::timestamp AT TIME ZONE 'UTC') >= @IAmAliveTime));
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- CleanupDefunctSiloEntryKey (@DeploymentId, @Address, @Port, @Generation, @StartTime, @IAmAliveTime,
-- @SuspectTimes): delete one Dead silo's row, but only if it still holds exactly the values the provider read
-- (it has already checked them against its cutoff); a row changed since then stays. No version bump.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntryKey', $q$
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Address = @Address AND Port = @Port AND Generation = @Generation
  AND Status = 6
  AND StartTime = @StartTime
  AND IAmAliveTime = @IAmAliveTime
  AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes, '');
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
