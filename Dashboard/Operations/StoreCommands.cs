using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Dashboard.Operations;

/// <summary>
/// `backup FILE` copies the SQLite store consistently while the service runs; `restore FILE` puts a backup in
/// place while the service is stopped. Both read the same settings as the service (Storage:DataDirectory, ...).
/// </summary>
internal static class StoreCommands
{
    public static bool IsCommand(string[] args) => args is ["backup" or "restore", ..];

    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: backup FILE | restore FILE  [--Storage:DataDirectory=DIR]");
            return 2;
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
}
