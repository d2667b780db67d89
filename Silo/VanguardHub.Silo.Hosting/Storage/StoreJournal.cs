using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// The journal in the store's own table (<c>VanguardHubJournal</c>: service id, stream, number and payload; keyed by
/// the first three on PostgreSQL, in the order written on SQLite), with group commit: the entries that arrive while one write is under way are stored together by the next, in one
/// transaction (an entry that can wait, up to <see cref="MayWait"/>, starts no write: it goes with the next one another
/// entry starts). An append completes once its transaction is durable (on SQLite, after the shared fsync of the log:
/// <see cref="StoreWriter"/>); the next transaction runs meanwhile. Deletions wait and go together with a write at most
/// once every <see cref="ForgetInterval"/> (the entries of one stream lie scattered among everyone's, so deleting them
/// with every write rewrote pages all over the table each time), and when the node stops, after its grains have left.
/// </summary>
internal sealed partial class StoreJournal(
    IOptions<StorageOptions> options, IOptions<ClusterOptions> cluster, StoreWriter writer, ILogger<StoreJournal> logger)
    : IJournal, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly StorageOptions _options = options.Value;
    private readonly string _serviceId = cluster.Value.ServiceId;

    /// <summary>How long deletions wait to be made together.</summary>
    internal static readonly TimeSpan ForgetInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long at most an entry that can wait waits for another's write to take it along.</summary>
    internal static readonly TimeSpan MayWait = TimeSpan.FromMilliseconds(50);

    // The number each stream's next entry must take, as this process knows it: set by Read (an activation reads its
    // stream before it appends) and by every append. An append out of turn is refused before it reaches the store;
    // between nodes, PostgreSQL's key refuses it.
    private readonly ConcurrentDictionary<string, long> _expected = new(StringComparer.Ordinal);

    private readonly object _gate = new();
    private long _lastForgotten = Stopwatch.GetTimestamp();
    private List<PendingEntry> _appends = [];
    private Dictionary<string, long> _forgets = new(StringComparer.Ordinal);
    private bool _draining;

    // Whether the entries waiting include one that may not wait (or whose wait is over); whether a timer is set for
    // those that can.
    private bool _due;
    private bool _waitArmed;
    private Task<Dictionary<string, List<JournalEntry>>>? _recovered;

    public Task Append(string stream, long number, byte[] payload, bool canWait = false)
    {
        if (_expected.TryGetValue(stream, out var expected) && number != expected)
        {
            return Task.FromException(new JournalConflictException(stream, number));
        }

        _expected[stream] = number + 1;
        var entry = new PendingEntry(stream, number, payload, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            _appends.Add(entry);
            if (!canWait)
            {
                _due = true;
                StartDraining();
            }
            else if (!_waitArmed)
            {
                _waitArmed = true;
                _ = WriteAfterWait();
            }
        }

        return entry.Stored.Task;
    }

    public void Forget(string stream, long before)
    {
        lock (_gate)
        {
            _forgets[stream] = Math.Max(before, _forgets.GetValueOrDefault(stream));
        }
    }

    public async Task<IReadOnlyList<JournalEntry>> Read(string stream, long from)
    {
        IReadOnlyList<JournalEntry> entries;
        if (_options.IsPostgreSql)
        {
            entries = await Query(stream, from);
        }
        else if (_expected.TryGetValue(stream, out var next))
        {
            // This process has read the stream before: on SQLite it is the store's only writer, so there is nothing
            // from the next number on; before it, an append that failed may or may not have been stored.
            entries = from >= next ? [] : await Query(stream, from);
        }
        else
        {
            var recovered = await Recovered();
            List<JournalEntry>? found;
            lock (recovered)
            {
                recovered.Remove(stream, out found);
            }

            entries = found is null ? [] : [.. found.Where(e => e.Number >= from)];
        }

        _expected[stream] = entries.Count > 0 ? entries[^1].Number + 1 : from;
        return entries;
    }

    /// <summary>
    /// The SQLite table as the first stream read found it, by stream, in one pass (the table has no index by stream,
    /// and after a crash each of a thousand enterprises and teams would read all of it). Each stream takes its
    /// entries from here the first time it is read; from then on only this process adds to it.
    /// </summary>
    private Task<Dictionary<string, List<JournalEntry>>> Recovered()
    {
        lock (_gate)
        {
            // A read that failed is tried again by the next stream's activation.
            return _recovered = _recovered is null or { IsFaulted: true } ? ReadAll() : _recovered;
        }

        async Task<Dictionary<string, List<JournalEntry>>> ReadAll()
        {
            await using var connection = Connect();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT StreamKey, EntryNumber, Payload FROM VanguardHubJournal WHERE ServiceId = @service ORDER BY StreamKey, EntryNumber;";
            SchemaMigrator.AddParameter(command, "@service", _serviceId);
            var streams = new Dictionary<string, List<JournalEntry>>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var key = reader.GetString(0);
                if (!streams.TryGetValue(key, out var entries))
                {
                    streams[key] = entries = [];
                }

                entries.Add(new JournalEntry(reader.GetInt64(1), (byte[])reader.GetValue(2)));
            }

            return streams;
        }
    }

    private async Task<IReadOnlyList<JournalEntry>> Query(string stream, long from)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT EntryNumber, Payload FROM VanguardHubJournal
            WHERE ServiceId = @service AND StreamKey = @stream AND EntryNumber >= @from
            ORDER BY EntryNumber;
            """;
        SchemaMigrator.AddParameter(command, "@service", _serviceId);
        SchemaMigrator.AddParameter(command, "@stream", stream);
        SchemaMigrator.AddParameter(command, "@from", from);
        var entries = new List<JournalEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(new JournalEntry(reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }

        return entries;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe<StoreJournal>(ServiceLifecycleStage.ApplicationServices, _ => Task.CompletedTask, ForgetNow);

    /// <summary>The deletions asked for and not yet made, now: the grains that asked have left memory.</summary>
    private async Task ForgetNow(CancellationToken cancellationToken)
    {
        Dictionary<string, long> forgets;
        lock (_gate)
        {
            (forgets, _forgets) = (_forgets, new(StringComparer.Ordinal));
        }

        if (forgets.Count == 0)
        {
            return;
        }

        try
        {
            await RunInTurn([], forgets, cancellationToken);
        }
        catch (Exception e)
        {
            // The entries stay; the states include them, and the next deletion for their streams takes them.
            LogWriteFailed(logger, e, 0, forgets.Count);
        }
    }

    /// <summary>Entries that could wait have waited long enough: they start a write if none has taken them.</summary>
    private async Task WriteAfterWait()
    {
        await Task.Delay(MayWait);
        lock (_gate)
        {
            _waitArmed = false;
            if (_appends.Count > 0)
            {
                _due = true;
                StartDraining();
            }
        }
    }

    // Under _gate.
    private void StartDraining()
    {
        if (!_draining)
        {
            _draining = true;
            _ = Task.Run(Drain);
        }
    }

    private async Task Drain()
    {
        while (true)
        {
            List<PendingEntry> appends;
            Dictionary<string, long> forgets = [];
            lock (_gate)
            {
                if (_appends.Count == 0 || !_due)
                {
                    // Entries that can wait are left for the next write or their timer.
                    _draining = false;
                    return;
                }

                (appends, _appends) = (_appends, []);
                _due = false;
                if (_forgets.Count > 0 && Stopwatch.GetElapsedTime(_lastForgotten) >= ForgetInterval)
                {
                    (forgets, _forgets) = (_forgets, new(StringComparer.Ordinal));
                    _lastForgotten = Stopwatch.GetTimestamp();
                }
            }

            await Write(appends, forgets);
        }
    }

    private async Task Write(List<PendingEntry> appends, Dictionary<string, long> forgets)
    {
        var started = Stopwatch.GetTimestamp();
        bool[] taken;
        try
        {
            taken = await RunInTurn(appends, forgets, CancellationToken.None);
        }
        catch (Exception e)
        {
            StorageMetrics.Errors.Add(1, new KeyValuePair<string, object?>("operation", "journal"));
            LogWriteFailed(logger, e, appends.Count, forgets.Count);
            foreach (var entry in appends)
            {
                entry.Stored.TrySetException(e);
            }

            return;
        }

        // The next transaction runs while this one waits for its sync.
        _ = Acknowledge(appends, taken, started);
    }

    private async Task Acknowledge(List<PendingEntry> appends, bool[] taken, long started)
    {
        try
        {
            await writer.AfterCommitAsync();
        }
        catch (Exception e)
        {
            StorageMetrics.Errors.Add(1, new KeyValuePair<string, object?>("operation", "journal"));
            foreach (var entry in appends)
            {
                entry.Stored.TrySetException(e);
            }

            return;
        }

        StorageMetrics.WriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("state", "journal"));
        StorageMetrics.JournalEntries.Add(appends.Count);
        for (var i = 0; i < appends.Count; i++)
        {
            var entry = appends[i];
            if (taken[i])
            {
                entry.Stored.TrySetResult();
            }
            else
            {
                entry.Stored.TrySetException(new JournalConflictException(entry.Stream, entry.Number));
            }
        }
    }

    /// <summary><see cref="Run"/> in the store's turn for writers.</summary>
    private async Task<bool[]> RunInTurn(List<PendingEntry> appends, Dictionary<string, long> forgets, CancellationToken cancellationToken)
    {
        await writer.Turn.WaitAsync(cancellationToken);
        try
        {
            return await Run(appends, forgets);
        }
        finally
        {
            writer.Turn.Release();
        }
    }

    /// <summary>One transaction: the deletions, then the entries; for each entry, whether its number was free.</summary>
    private async Task<bool[]> Run(List<PendingEntry> appends, Dictionary<string, long> forgets)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (forgets.Count > 0 && !_options.IsPostgreSql)
        {
            // No index to find one stream's entries by: one pass over the table for all of them.
            await using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = """
                DELETE FROM VanguardHubJournal AS entry
                WHERE ServiceId = @service
                  AND EntryNumber < (SELECT value FROM json_each(@before) WHERE key = entry.StreamKey);
                """;
            SchemaMigrator.AddParameter(delete, "@service", _serviceId);
            SchemaMigrator.AddParameter(delete, "@before", JsonSerializer.Serialize(forgets));
            await delete.ExecuteNonQueryAsync();
        }
        else if (forgets.Count > 0)
        {
            // One statement a stream (each finds its entries by the key; a join of every stream's bound against the
            // table scanned all of it, some 40 ms a time), all sent in one round trip. The newest entry the written
            // state includes stays: with it in the table no node can append below it (see InsertAll), as a node
            // could that read the state before it was written and the stream after these deletions.
            await using var delete = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
            foreach (var (stream, before) in forgets)
            {
                delete.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM VanguardHubJournal WHERE ServiceId = $1 AND StreamKey = $2 AND EntryNumber < $3;")
                {
                    Parameters = { new() { Value = _serviceId }, new() { Value = stream }, new() { Value = before - 1 } },
                });
            }

            await delete.ExecuteNonQueryAsync();
        }

        var taken = appends.Count == 0 ? []
            : _options.IsPostgreSql ? await InsertAll(connection, transaction, appends)
            : await InsertEach(connection, transaction, appends);
        await transaction.CommitAsync();
        return taken;
    }

    /// <summary>SQLite, in process: one prepared insert run for each entry.</summary>
    private async Task<bool[]> InsertEach(DbConnection connection, DbTransaction transaction, List<PendingEntry> appends)
    {
        var taken = new bool[appends.Count];
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO VanguardHubJournal (ServiceId, StreamKey, EntryNumber, Payload) VALUES (@service, @stream, @number, @payload);";
        SchemaMigrator.AddParameter(insert, "@service", _serviceId);
        var stream = SchemaMigrator.AddParameter(insert, "@stream", "");
        var number = SchemaMigrator.AddParameter(insert, "@number", 0L);
        var payload = SchemaMigrator.AddParameter(insert, "@payload", Array.Empty<byte>());
        for (var i = 0; i < appends.Count; i++)
        {
            stream.Value = appends[i].Stream;
            number.Value = appends[i].Number;
            payload.Value = appends[i].Payload;
            taken[i] = await insert.ExecuteNonQueryAsync() == 1;
        }

        return taken;
    }

    /// <summary>
    /// PostgreSQL, over the network: every entry in one statement, one round trip to the server however many teams'
    /// batches the write carries (one statement an entry cost the server and this process a round trip each). An
    /// entry under a number another node took is skipped, and it is the one the answer does not name; so is one below
    /// an entry the stream already holds: a node that took its numbers from a state older than the stream's newest
    /// written one (whose entries before that are deleted) must not append where the next activation never reads.
    /// </summary>
    private async Task<bool[]> InsertAll(DbConnection connection, DbTransaction transaction, List<PendingEntry> appends)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO VanguardHubJournal (ServiceId, StreamKey, EntryNumber, Payload)
            SELECT @service, entry.stream, entry.number, entry.payload
            FROM unnest(@streams, @numbers, @payloads) AS entry(stream, number, payload)
            WHERE NOT EXISTS (
                SELECT 1 FROM VanguardHubJournal AS later
                WHERE later.ServiceId = @service AND later.StreamKey = entry.stream AND later.EntryNumber > entry.number)
            ON CONFLICT DO NOTHING
            RETURNING StreamKey, EntryNumber;
            """;
        SchemaMigrator.AddParameter(insert, "@service", _serviceId);
        SchemaMigrator.AddParameter(insert, "@streams", appends.Select(e => e.Stream).ToArray());
        SchemaMigrator.AddParameter(insert, "@numbers", appends.Select(e => e.Number).ToArray());
        SchemaMigrator.AddParameter(insert, "@payloads", appends.Select(e => e.Payload).ToArray());
        var stored = new HashSet<(string, long)>();
        await using (var reader = await insert.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        return [.. appends.Select(e => stored.Contains((e.Stream, e.Number)))];
    }

    private DbConnection Connect() => _options.IsPostgreSql
        ? new NpgsqlConnection(_options.PostgreSqlPooledConnectionString)
        : new SqliteConnection(_options.SqliteConnectionString);

    private sealed record PendingEntry(string Stream, long Number, byte[] Payload, TaskCompletionSource Stored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A journal write of {Entries} entries and {Deletions} deletions failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int entries, int deletions);
}
