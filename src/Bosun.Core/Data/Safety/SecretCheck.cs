using System.Data.Common;
using Bosun.Core.Integrations;

namespace Bosun.Core.Data.Safety;

/// One sealed value of a backup or archive and what it was sealed for.
public sealed record SealedSample(string Table, string Column, string Value, string Purpose);

/// Backups and archives carry secrets sealed as they are in the database, never opened. Where they land, they open only
/// with the key they were sealed with, so a restore or an import first opens one of them with the key configured there.
public static class SecretCheck
{
    public static SealedSample? Sample(SealedColumns.Column column, Func<string, string?> row) =>
        row(column.Name) is { Length: > 0 } value ? new SealedSample(column.Table, column.Name, value, column.Purpose(row)) : null;

    /// One sealed value of a database (one tenant's when given), or null when it holds none.
    public static async Task<SealedSample?> SampleAsync(DbConnection connection, DbTransaction? transaction, string? tenantId, CancellationToken ct)
    {
        foreach (var column in SealedColumns.All)
        {
            await foreach (var row in RowsAsync(connection, transaction, column, tenantId, limit: 1, ct))
            {
                return Sample(column, row);
            }
        }

        return null;
    }

    /// The ids of the keys a database's secrets were sealed with (which reveal nothing of the keys).
    public static async Task<List<string>> KeyIdsAsync(DbConnection connection, DbTransaction? transaction, string? tenantId, CancellationToken ct)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var column in SealedColumns.All)
        {
            await foreach (var row in RowsAsync(connection, transaction, column, tenantId, limit: null, ct))
            {
                if (row(column.Name) is { Length: > 0 } value)
                {
                    ids.Add(SecretBox.KeyIdOf(value));
                }
            }
        }

        return [.. ids];
    }

    /// Refuses, before anything is written, when the sample does not open with the keys configured here.
    public static void Require(SecretBox keys, SealedSample? sample, string source)
    {
        if (sample is null)
        {
            return;
        }

        if (keys.WhyNotOpen(sample.Value, sample.Purpose) is { } why)
        {
            throw new DataSafetyException(
                $"The secrets in {source} cannot be opened here: {why}. Nothing was written. Give this Bosun the key the source used " +
                "(copy its secret.key beside the database, or set BOSUN_SECRET_KEY or BOSUN_SECRET_KEY_FILE) and try again.");
        }
    }

    private static async IAsyncEnumerable<Func<string, string?>> RowsAsync(DbConnection connection, DbTransaction? transaction, SealedColumns.Column column,
        string? tenantId, int? limit, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // A backup of an older schema has no table a later migration added, and so none of its secrets.
        if (!await DataSafety.TableExistsAsync(connection, transaction, column.Table, ct))
        {
            yield break;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT * FROM {TableRows.Quote(column.Table)} WHERE {TableRows.Quote(column.Name)} IS NOT NULL"
                              + (tenantId is null ? "" : $" AND {TableRows.Quote(StoreTables.TenantColumn)} = @tenant")
                              + (limit is { } n ? $" LIMIT {n}" : "");
        if (tenantId is not null)
        {
            command.With("tenant", tenantId);
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                values[reader.GetName(i)] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            }

            yield return name => values.GetValueOrDefault(name);
        }
    }
}
