using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Dashboard.Operations;

/// <summary>
/// `backup FILE` copies the SQLite store consistently while the service runs; `restore FILE` puts a backup in
/// place while the service is stopped; `copy-to-postgresql CONNECTION` moves the SQLite store into an empty
/// PostgreSQL database and verifies the copy. All read the same settings as the service (Storage:DataDirectory, ...).
/// </summary>
internal static class StoreCommands
{
    public static bool IsCommand(string[] args) => args is ["backup" or "restore" or "copy-to-postgresql", ..];

    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: backup FILE | restore FILE | copy-to-postgresql \"Host=...;Database=...\"  [--Storage:DataDirectory=DIR]");
            return 2;
        }

        if (args[0] == "copy-to-postgresql")
        {
            return CopyToPostgreSql(args);
        }

        var configuration = WebApplication.CreateBuilder(args[2..]).Configuration;
        var options = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        try
        {
            if (args[0] == "backup")
            {
                SqliteStore.Backup(options, args[1], Console.Out);
            }
            else
            {
                SqliteStore.Restore(options, args[1], Console.Out);
            }

            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine($"{args[0]} failed: {e.Message}");
            return 1;
        }
    }

    private static int CopyToPostgreSql(string[] args)
    {
        var configuration = WebApplication.CreateBuilder(args[2..]).Configuration;
        var source = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        try
        {
            PostgreSqlStore.CopyFromSqliteAsync(source, args[1], Console.Out).GetAwaiter().GetResult();
            Console.WriteLine("Done. Start the service with Storage:Engine=PostgreSql and this connection string (same Orleans:ServiceId).");
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException or ArgumentException)
        {
            Console.Error.WriteLine($"copy-to-postgresql failed: {e.Message}");
            return 1;
        }
    }
}
