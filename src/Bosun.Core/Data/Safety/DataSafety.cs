using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Core.Data.Safety;

/// A backup, restore, export, import or store move that Bosun refused or found wrong, with what to do about it. Nothing
/// was written where it was refused.
public sealed class DataSafetyException(string message, bool conflict = false, Exception? inner = null) : Exception(message, inner)
{
    /// The target holds data or a tenant of that name already (exit 3), rather than a bad input (exit 2).
    public bool Conflict { get; } = conflict;
}

public static class DataSafety
{
    /// Manifests and summaries are snake_case JSON like the API.
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string StoreName(StoreKind kind) => kind == StoreKind.Sqlite ? "sqlite" : "postgres";

    /// Bosun's version, as its assemblies carry it.
    public static string BosunVersion =>
        typeof(DataSafety).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

    /// Backups and archives hold everything the database does: they are made readable by their owner only, as the
    /// secret key file is, before anything is written into them.
    public static void CreatePrivateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (new FileStream(path, options))
        {
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// A directory for backups, made readable by its owner only when it is made here.
    public static void CreatePrivateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// Whether a file begins with the bytes that mark its format.
    public static bool StartsWith(string file, ReadOnlySpan<byte> magic)
    {
        Span<byte> start = stackalloc byte[magic.Length];
        using var stream = File.OpenRead(file);
        return stream.ReadAtLeast(start, magic.Length, throwOnEndOfStream: false) == magic.Length && start.SequenceEqual(magic);
    }

    public static string Sha256(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<string> Sha256Async(string file, CancellationToken ct)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    /// The migrations this build of Bosun knows for a store, oldest first.
    public static IReadOnlyList<string> CodeMigrations(StoreOptions store)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        store.Configure(options);
        using var db = new BosunDb(options.Options);
        return [.. db.GetService<IMigrationsAssembly>().Migrations.Keys];
    }

    /// Whether a database has the table: a backup or archive of an older schema lacks the tables of later migrations.
    public static async Task<bool> TableExistsAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string table, CancellationToken ct)
    {
        await using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = connection is Npgsql.NpgsqlConnection
            ? "SELECT to_regclass(quote_ident(@table)) IS NOT NULL"
            : "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = @table";
        exists.With("table", table);
        return Convert.ToBoolean(await exists.ExecuteScalarAsync(ct));
    }

    /// The newest migration a database applied, from its history table; null when it has none.
    public static async Task<string?> SchemaVersionAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, CancellationToken ct)
    {
        if (!await TableExistsAsync(connection, transaction, StoreTables.MigrationHistory, ct))
        {
            return null;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT max(\"migration_id\") FROM {TableRows.Quote(StoreTables.MigrationHistory)}";
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
