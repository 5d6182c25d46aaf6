using System.Data;
using System.Data.Common;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Integrations;
using Npgsql;

namespace Bosun.Core.Data.Safety;

public sealed record ArchiveColumn(string Name, string Type, bool Nullable);

public sealed record ArchiveTable(string Name, string File, long Rows, string Sha256, string Checksum, IReadOnlyList<ArchiveColumn> Columns);

public sealed record ArchiveTenant(string Id, string Slug, string? Name);

/// The manifest of a tenant archive (format version 1): what it holds, table by table, and how to check it.
public sealed record ArchiveManifest
{
    public const string FormatName = "bosun-tenant-archive";
    public const int CurrentVersion = 1;
    public const string Entry = "manifest.json";

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;
    public required DateTime CreatedAt { get; init; }
    public string BosunVersion { get; init; } = DataSafety.BosunVersion;
    public string? SchemaVersion { get; init; }
    public required string SourceStore { get; init; }
    public required ArchiveTenant Tenant { get; init; }
    public IReadOnlyList<string> SecretKeyIds { get; init; } = [];
    public required IReadOnlyList<ArchiveTable> Tables { get; init; }

    /// Files kept outside the database go under files/ and are listed here. Bosun keeps none today.
    public IReadOnlyList<string> Files { get; init; } = [];
}

public sealed record ImportResult(ArchiveTenant Tenant, IReadOnlyDictionary<string, long> Tables);

/// One tenant's data as a zip archive: `tables/NAME.ndjson` per table of the data model, one JSON object per row with
/// its columns in name order, and `manifest.json` listing each table's row count, the SHA-256 of its file, and the
/// checksum of its rows as <see cref="TableChecksum"/> takes it. Every table is exported, audit trail and ledgers
/// included; sealed secrets stay sealed.
public static class TenantArchive
{
    public static string EntryOf(string table) => $"tables/{table}.ndjson";

    public static async Task<ArchiveManifest> ExportAsync(StoreOptions store, string slug, string file, TimeProvider clock, Action<LoadProgress>? progress, CancellationToken ct)
    {
        var tables = StoreTables.Of(store).Where(t => t.BelongsToTenant).ToList();
        await using var connection = await OpenAsync(store, ct);

        // One read transaction: the archive is the tenant as of one moment, though the server writes on meanwhile.
        await using DbTransaction snapshot = connection is NpgsqlConnection pg
            ? await pg.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct)
            : ((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: true);
        var tenant = await FindTenantAsync(connection, snapshot, tables, slug, ct)
                     ?? throw new DataSafetyException($"There is no tenant '{slug}' in {store.Describe()}.");
        var schema = await DataSafety.SchemaVersionAsync(connection, snapshot, ct);
        var total = 0L;
        foreach (var table in tables)
        {
            total += await CountAsync(connection, snapshot, table, tenant.Id, ct);
        }

        var partial = file + ".partial";
        var entries = new List<ArchiveTable>();
        long done = 0;
        try
        {
            DataSafety.CreatePrivateFile(partial);
            await using (var stream = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                foreach (var table in tables)
                {
                    var entry = zip.CreateEntry(EntryOf(table.Name), CompressionLevel.Fastest);
                    var canonical = new Canonical(table.Columns);
                    var checksum = new TableChecksum();
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    await using (var output = entry.Open())
                    {
                        await foreach (var row in TableRows.ReadAsync(connection, snapshot, table, tenant.Id, ct))
                        {
                            var line = canonical.Line(row);
                            checksum.Add(line.Span);
                            sha.AppendData(line.Span);
                            sha.AppendData("\n"u8);
                            await output.WriteAsync(line, ct);
                            output.WriteByte((byte)'\n');
                            if (++done % 10_000 == 0)
                            {
                                progress?.Invoke(new LoadProgress(table.Name, done, total));
                            }
                        }
                    }

                    entries.Add(new ArchiveTable(table.Name, EntryOf(table.Name), checksum.Rows, Convert.ToHexStringLower(sha.GetHashAndReset()), checksum.Value,
                        [.. table.Columns.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => new ArchiveColumn(c.Name, c.Kind.ToString().ToLowerInvariant(), c.Nullable))]));
                    progress?.Invoke(new LoadProgress(table.Name, done, total));
                }

                var manifest = new ArchiveManifest
                {
                    CreatedAt = clock.GetUtcNow().UtcDateTime,
                    SchemaVersion = schema,
                    SourceStore = DataSafety.StoreName(store.Kind),
                    Tenant = tenant,
                    SecretKeyIds = await SecretCheck.KeyIdsAsync(connection, snapshot, tenant.Id, ct),
                    Tables = entries,
                };
                await using (var output = zip.CreateEntry(ArchiveManifest.Entry, CompressionLevel.Optimal).Open())
                {
                    await JsonSerializer.SerializeAsync(output, manifest, DataSafety.Json, ct);
                }

                await snapshot.CommitAsync(ct);
                zip.Dispose();
                File.Move(partial, file, overwrite: true);
                return manifest;
            }
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// Loads an archive into this store as a new tenant with the same ids. Refused before anything is written when the
    /// archive does not match its manifest, was made by a newer Bosun, names a tenant (slug or id) this store already has,
    /// or holds secrets the key configured here does not open. The rows go in in one transaction, which commits only
    /// once every table's rows read back with the archive's counts and checksums.
    public static async Task<ImportResult> ImportAsync(StoreOptions store, string file, SecretBox keys, Action<LoadProgress>? progress, CancellationToken ct)
    {
        if (!File.Exists(file))
        {
            throw new DataSafetyException($"There is no archive at {file}.");
        }

        using var zip = OpenArchive(file);
        var manifest = await ReadManifestAsync(zip, file, ct);
        await CheckFilesAsync(zip, manifest, file, ct);

        var tables = StoreTables.Of(store).ToDictionary(t => t.Name, StringComparer.Ordinal);
        // Migration ids differ between the stores; the archive's is one of its source store's.
        var known = DataSafety.CodeMigrations(manifest.SourceStore == DataSafety.StoreName(StoreKind.Postgres) ? StoreOptions.Postgres("Host=localhost") : StoreOptions.Sqlite("bosun.db"));
        if (manifest.SchemaVersion is { } version && !known.Contains(version))
        {
            throw new DataSafetyException(string.CompareOrdinal(version, known[^1]) > 0
                ? $"{file} was made by a newer Bosun (schema {version}; this one knows up to {known[^1]}): upgrade this Bosun first."
                : $"{file} has a schema ({version}) this Bosun does not know.");
        }

        var unknown = manifest.Tables.Where(t => !tables.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        if (unknown.Count > 0)
        {
            throw new DataSafetyException($"{file} holds tables this Bosun does not know ({string.Join(", ", unknown)}): it was made by a newer Bosun; upgrade this one first.");
        }

        // The columns each table is read with: the archive's. Columns this Bosun added since are left empty if they may be,
        // or to the database's default if they have one (a tenant archived before tenants had a status is active).
        var readAs = new Dictionary<string, StoreTable>(StringComparer.Ordinal);
        foreach (var archived in manifest.Tables)
        {
            var table = tables[archived.Name];
            var names = archived.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            var extra = names.Where(n => table.Columns.All(c => c.Name != n)).ToList();
            var missing = table.Columns.Where(c => !names.Contains(c.Name) && !c.Nullable && c.Default is null).Select(c => c.Name).ToList();
            if (extra.Count > 0 || missing.Count > 0)
            {
                throw new DataSafetyException(
                    $"{file}: the table {archived.Name} does not fit this Bosun's ({(extra.Count > 0 ? $"unknown columns {string.Join(", ", extra)}" : $"missing columns {string.Join(", ", missing)}")}).");
            }

            readAs[archived.Name] = table with { Columns = [.. table.Columns.Where(c => names.Contains(c.Name))] };
        }

        SecretCheck.Require(keys, SampleOf(zip, manifest, readAs), file);

        var order = StoreTables.LoadOrder([.. tables.Values]).Where(s => readAs.ContainsKey(s.Table.Name)).ToList();
        await using var load = store.Kind == StoreKind.Sqlite ? (StoreLoad)await SqliteLoad.BeginAsync(store, ct) : await PostgresLoad.BeginAsync(store, ct);
        if (await TenantExistsAsync(load, tables.Values.Single(t => t.IsTenantRoot), manifest.Tenant, ct) is { } clash)
        {
            throw new DataSafetyException(clash, conflict: true);
        }

        var loaded = await TableLoader.LoadAsync(load, [.. order.Select(s => s with { Table = tables[s.Table.Name] })],
            table => RowsAsync(zip, manifest, readAs[table.Name], table, ct), manifest.Tables.Sum(t => t.Rows), progress, ct);

        foreach (var archived in manifest.Tables)
        {
            var checksum = await TableRows.ChecksumAsync(load.Connection, load.Transaction, readAs[archived.Name], manifest.Tenant.Id, ct);
            if (checksum.Rows != archived.Rows || checksum.Value != archived.Checksum)
            {
                throw new DataSafetyException($"After loading, {archived.Name} holds {checksum.Rows} rows that do not match the archive's {archived.Rows}; nothing was imported.");
            }
        }

        await load.CommitAsync(ct);
        return new ImportResult(manifest.Tenant, loaded);
    }

    /// Reads and checks an archive's manifest.
    public static async Task<ArchiveManifest> ReadManifestAsync(ZipArchive zip, string file, CancellationToken ct)
    {
        var entry = zip.GetEntry(ArchiveManifest.Entry) ?? throw new DataSafetyException($"{file} has no {ArchiveManifest.Entry}: it is not a Bosun tenant archive.");
        ArchiveManifest? manifest;
        try
        {
            await using var input = entry.Open();
            manifest = await JsonSerializer.DeserializeAsync<ArchiveManifest>(input, DataSafety.Json, ct);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            throw new DataSafetyException($"{file}: its manifest cannot be read ({ex.Message}).", inner: ex);
        }

        if (manifest?.Format != ArchiveManifest.FormatName)
        {
            throw new DataSafetyException($"{file} is not a Bosun tenant archive (its manifest's format is {manifest?.Format ?? "missing"}).");
        }

        if (manifest.Version > ArchiveManifest.CurrentVersion)
        {
            throw new DataSafetyException($"{file} is a version {manifest.Version} archive; this Bosun reads up to version {ArchiveManifest.CurrentVersion}. Upgrade it first.");
        }

        return manifest;
    }

    public static ZipArchive OpenArchive(string file)
    {
        try
        {
            return ZipFile.OpenRead(file);
        }
        catch (InvalidDataException ex)
        {
            throw new DataSafetyException($"{file} is not a readable archive ({ex.Message}): it may be damaged or incomplete. Nothing was imported.", inner: ex);
        }
    }

    /// Every table's file against its SHA-256 and row count in the manifest, before anything is written.
    private static async Task CheckFilesAsync(ZipArchive zip, ArchiveManifest manifest, string file, CancellationToken ct)
    {
        foreach (var table in manifest.Tables)
        {
            var entry = zip.GetEntry(table.File) ?? throw new DataSafetyException($"{file} lacks {table.File}, which its manifest lists. Nothing was imported.");
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long lines = 0;
            try
            {
                await using var input = entry.Open();
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await input.ReadAsync(buffer, ct)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    lines += buffer.AsSpan(0, read).Count((byte)'\n');
                }
            }
            catch (InvalidDataException ex)
            {
                throw new DataSafetyException($"{file}: {table.File} cannot be read ({ex.Message}); the archive is damaged. Nothing was imported.", inner: ex);
            }

            if (Convert.ToHexStringLower(sha.GetHashAndReset()) != table.Sha256 || lines != table.Rows)
            {
                throw new DataSafetyException($"{file}: {table.File} does not match its SHA-256 and row count in the manifest; the archive is damaged. Nothing was imported.");
            }
        }
    }

    /// The rows of a table's file, with the store's columns in order (those the archive lacks left empty or at their default).
    private static async IAsyncEnumerable<object?[]> RowsAsync(ZipArchive zip, ArchiveManifest manifest, StoreTable archived, StoreTable target,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var entry = zip.GetEntry(manifest.Tables.Single(t => t.Name == archived.Name).File)!;
        await using var input = entry.Open();
        using var reader = new StreamReader(input);
        var line = 0;
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            line++;
            using var json = JsonDocument.Parse(text);
            var row = new object?[target.Columns.Count];
            for (var i = 0; i < row.Length; i++)
            {
                var column = target.Columns[i];
                try
                {
                    row[i] = json.RootElement.TryGetProperty(column.Name, out var value) ? RowValues.Parse(value, column) : column.Default;
                }
                catch (InvalidDataException ex)
                {
                    throw new DataSafetyException($"{entry.FullName} line {line}: {ex.Message}", inner: ex);
                }
            }

            yield return row;
        }
    }

    private static SealedSample? SampleOf(ZipArchive zip, ArchiveManifest manifest, Dictionary<string, StoreTable> tables)
    {
        foreach (var column in SealedColumns.All)
        {
            if (manifest.Tables.FirstOrDefault(t => t.Name == column.Table) is not { } archived || zip.GetEntry(archived.File) is not { } entry)
            {
                continue;
            }

            using var reader = new StreamReader(entry.Open());
            while (reader.ReadLine() is { } text)
            {
                using var json = JsonDocument.Parse(text);
                var root = json.RootElement;
                if (SecretCheck.Sample(column, name => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null) is { } sample)
                {
                    return sample;
                }
            }
        }

        return null;
    }

    private static async Task<string?> TenantExistsAsync(StoreLoad load, StoreTable root, ArchiveTenant tenant, CancellationToken ct)
    {
        await using var command = load.Connection.CreateCommand();
        command.Transaction = load.Transaction;
        command.CommandText = $"SELECT {TableRows.Quote(root.Key.Single())}, slug FROM {TableRows.Quote(root.Name)} WHERE slug = @slug OR {TableRows.Quote(root.Key.Single())} = @tenant";
        command.With("slug", tenant.Slug).With("tenant", tenant.Id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return reader.GetString(1) == tenant.Slug
            ? $"A tenant with the slug '{tenant.Slug}' already exists here; nothing was imported. Rename one of them (`bosun tenant update --slug`) first."
            : $"The tenant {tenant.Id} already exists here (as '{reader.GetString(1)}'); nothing was imported.";
    }

    private static async Task<ArchiveTenant?> FindTenantAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoreTable> tables, string slug, CancellationToken ct)
    {
        var root = tables.Single(t => t.IsTenantRoot);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {TableRows.Quote(root.Key.Single())}, slug, name FROM {TableRows.Quote(root.Name)} WHERE slug = @slug";
        command.With("slug", slug);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new ArchiveTenant(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : null;
    }

    private static async Task<long> CountAsync(DbConnection connection, DbTransaction transaction, StoreTable table, string tenantId, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT count(*) FROM {TableRows.Quote(table.Name)} WHERE {TableRows.TenantFilter(table)}";
        command.With("tenant", tenantId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    private static async Task<DbConnection> OpenAsync(StoreOptions store, CancellationToken ct)
    {
        if (store.Kind == StoreKind.Sqlite)
        {
            if (!File.Exists(store.SqliteFile))
            {
                throw new DataSafetyException($"There is no Bosun database at {store.SqliteFile}.");
            }

            return await SqliteLoad.OpenAsync(store, ct);
        }

        var connection = new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}
