using System.ComponentModel.DataAnnotations;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>Where grain state is kept. Section "Storage" (environment: Storage__DataDirectory and so on).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder of the SQLite file, relative to the working directory unless absolute (default "data").</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The SQLite file's name inside <see cref="DataDirectory"/> (default "vanguardhub.db").</summary>
    [Required]
    public string SqliteFile { get; set; } = "vanguardhub.db";

    /// <summary>How long a write waits for SQLite's single write lock before it fails (default 30 s).</summary>
    [Range(1, 600)]
    public int BusyTimeoutSeconds { get; set; } = 30;

    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFile));

    public string SqliteConnectionString => $"Data Source={SqlitePath};Pooling=True;Default Timeout={BusyTimeoutSeconds}";
}
