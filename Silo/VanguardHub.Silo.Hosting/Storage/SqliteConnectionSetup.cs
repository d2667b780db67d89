using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// Every SQLite connection this process opens commits with <c>synchronous=NORMAL</c> from the start: SQLite calls
/// the entry registered here (an automatic extension, its documented hook for setting up each new connection) as it
/// opens one. Writes commit without syncing the write-ahead log themselves, and <see cref="WalGroupSync"/> syncs it
/// before any is acknowledged. The setting belongs to a connection, and Orleans' provider takes its connections from
/// a pool of its own, so the write query once set it again with every write: a second statement to compile, and
/// every parameter of the write looked up in it under each prefix. A connection this hook did not reach commits with
/// SQLite's default, <c>FULL</c>: each commit syncs the log itself, slower and just as safe.
/// <para>
/// The hook also keeps the write-ahead log file when the last connection closes (<c>SQLITE_FCNTL_PERSIST_WAL</c>):
/// the pool closes idle connections, and a log deleted then would be made anew by the next write, its directory entry
/// never synced (<see cref="WalGroupSync"/> syncs the folder once, for the log it finds).
/// </para>
/// </summary>
internal static unsafe partial class SqliteConnectionSetup
{
    private const int SqliteOk = 0;

    private static readonly Lazy<bool> Registered = new(() =>
    {
        try
        {
            return Native.AutoExtension(&OnOpen) == SqliteOk;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    });

    /// <summary>Registers the hook, once per process, before the first connection opens. False if SQLite refused it.</summary>
    public static bool Register() => Registered.Value;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnOpen(nint connection, nint* errorMessage, nint api)
    {
        // What fails here leaves the connection on FULL, or its log deleted on the last close; it must not stop the
        // connection from opening.
        Native.CommitWithoutSync(connection);
        Native.KeepLog(connection);
        return SqliteOk;
    }

    private static partial class Native
    {
        // The SQLite library Microsoft.Data.Sqlite itself uses (SQLitePCLRaw's bundled build).
        private const string Library = "e_sqlite3";

        [LibraryImport(Library, EntryPoint = "sqlite3_auto_extension")]
        public static partial int AutoExtension(delegate* unmanaged[Cdecl]<nint, nint*, nint, int> entry);

        [LibraryImport(Library, EntryPoint = "sqlite3_exec")]
        private static partial int Exec(nint connection, byte* sql, nint callback, nint argument, nint errorMessage);

        [LibraryImport(Library, EntryPoint = "sqlite3_file_control")]
        private static partial int FileControl(nint connection, byte* database, int operation, void* argument);

        private const int PersistWal = 10; // SQLITE_FCNTL_PERSIST_WAL

        public static int KeepLog(nint connection)
        {
            var keep = 1;
            fixed (byte* main = "main"u8)
            {
                return FileControl(connection, main, PersistWal, &keep);
            }
        }

        public static int CommitWithoutSync(nint connection)
        {
            // A UTF-8 literal's bytes end in a NUL in memory, as sqlite3_exec needs (the span's length leaves it out).
            fixed (byte* text = "PRAGMA synchronous = NORMAL;"u8)
            {
                return Exec(connection, text, 0, 0, 0);
            }
        }
    }
}
