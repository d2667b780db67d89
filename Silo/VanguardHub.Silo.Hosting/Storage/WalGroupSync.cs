using System.Runtime.InteropServices;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// Group commit for SQLite. Writes commit with <c>synchronous=NORMAL</c> (the write-ahead log is appended, not synced),
/// then each writer waits here for an fsync of the log that started after its commit. Writers that commit while one
/// fsync is under way share the next one, so a disk that syncs a few hundred times a second carries many thousands of
/// writes, and no write is acknowledged before it is on disk: the same promise as <c>synchronous=FULL</c>. Each round
/// first waits <paramref name="delay"/> (like PostgreSQL's <c>commit_delay</c>), so that under load the writes of that
/// moment share one fsync instead of each few taking the next: fewer, fuller rounds cost the machine less.
/// </summary>
/// <remarks>
/// What SQLite does itself with NORMAL in WAL mode keeps that promise across checkpoints: it syncs the log before it
/// copies frames into the database and the database before it starts the log over. Linux's fsync flushes a file's
/// data whichever descriptor it is called on, so opening the log here reaches the frames SQLite's connections wrote.
/// </remarks>
internal sealed partial class WalGroupSync(Action sync, TimeSpan delay = default)
{
    /// <summary>How long the syncing thread stays after its last round, ready for the next write, before it ends.</summary>
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(10);

    // Monitor.Wait/Pulse on it: the syncing thread sleeps here while nobody is waiting.
    private readonly object _gate = new();
    private TaskCompletionSource _next = NewRound();
    private int _waiting;
    private bool _running;
    private long _rounds;

    /// <summary>How many fsync rounds have run: far fewer than the writes they covered when writers overlap.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Completes once everything committed before this call is on disk.</summary>
    public Task AfterCommitAsync()
    {
        lock (_gate)
        {
            _waiting++;
            var round = _next.Task;
            if (!_running)
            {
                // fsync and the delay block: a thread of its own, so that they never hold one of the thread pool's.
                _running = true;
                new Thread(SyncRounds) { IsBackground = true, Name = "SQLite group sync" }.Start();
            }
            else if (_waiting == 1)
            {
                Monitor.Pulse(_gate);
            }

            return round;
        }
    }

    private void SyncRounds()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_waiting == 0)
                {
                    if (!Monitor.Wait(_gate, IdleLifetime) && _waiting == 0)
                    {
                        _running = false;
                        return;
                    }
                }
            }

            if (delay > TimeSpan.Zero)
            {
                Thread.Sleep(delay);
            }

            TaskCompletionSource round;
            lock (_gate)
            {
                // Everyone who has committed and asked so far; whoever asks from now on waits for the next round.
                round = _next;
                _next = NewRound();
                _waiting = 0;
            }

            try
            {
                sync();
                Interlocked.Increment(ref _rounds);
                round.SetResult();
            }
            catch (Exception e)
            {
                round.SetException(e);
            }
        }
    }

    /// <summary>Rounds that fsync the database's write-ahead log, each after waiting <paramref name="delay"/> for more writes to share it.</summary>
    public static WalGroupSync ForDatabase(string databasePath, TimeSpan delay = default)
    {
        var wal = databasePath + "-wal";
        var folder = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        var folderSynced = false;
        return new WalGroupSync(() =>
        {
            // The log exists while any connection is open; without one, SQLite has checkpointed and synced the database.
            if (!SyncFile(wal) && !SyncFile(databasePath))
            {
                throw new IOException($"Neither {wal} nor {databasePath} could be synced.");
            }

            // The log's directory entry must last too; it is created once (no connection deletes it, see
            // SqliteConnectionSetup), so one sync of the folder covers it.
            folderSynced = folderSynced || SyncFile(folder);
        }, delay);
    }

    private static bool SyncFile(string path)
    {
        var descriptor = Native.Open(path, 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            return false;
        }

        try
        {
            if (Native.Fsync(descriptor) != 0)
            {
                throw new IOException($"fsync of {path} failed (errno {Marshal.GetLastPInvokeError()}).");
            }

            return true;
        }
        finally
        {
            Native.Close(descriptor);
        }
    }

    private static TaskCompletionSource NewRound() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int descriptor);

        [LibraryImport("libc", EntryPoint = "close")]
        public static partial int Close(int descriptor);
    }
}
