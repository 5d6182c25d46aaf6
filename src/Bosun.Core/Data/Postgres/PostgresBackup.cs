using System.Data;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Bosun.Core.Data.Safety;
using Bosun.Core.Integrations;
using Npgsql;

namespace Bosun.Core.Data.Postgres;

/// Backups of PostgreSQL with pg_dump in its custom format, checked by reading them back with pg_restore, and restored
/// with pg_restore in one transaction.
///
/// The dump runs on a snapshot exported from a transaction of Bosun's own, which counts every table's rows on the same
/// snapshot: the counts the dump must hold are those of the moment it was taken, while the server writes on.
internal static partial class PostgresBackup
{
    public const string Extension = ".dump";

    private static ReadOnlySpan<byte> Header => "PGDMP"u8;

    public static bool IsDumpFile(string file) => DataSafety.StartsWith(file, Header);

    public static async Task<BackupSnapshot> DumpAsync(StoreOptions store, string target, Action<double>? progress, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync(ct);
        var tools = await PgTools.FindAsync(await PgTools.ServerMajorAsync(connection, ct), ct);
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, snapshot))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        string name;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, snapshot))
        {
            name = (string)(await export.ExecuteScalarAsync(ct))!;
        }

        var schema = await DataSafety.SchemaVersionAsync(connection, snapshot, ct);
        var counts = await CountTablesAsync(connection, snapshot, ct);
        var total = Math.Max(1, counts.Values.Sum());
        long done = 0;
        await tools.RunAsync("pg_dump", ["--format=custom", $"--snapshot={name}", $"--file={target}", "--verbose", "--no-password"], store.ConnectionString, line =>
        {
            if (DumpingTable().Match(line) is { Success: true } m && counts.TryGetValue(m.Groups[1].Value, out var rows))
            {
                progress?.Invoke((double)Interlocked.Add(ref done, rows) / total);
            }
        }, null, ct);
        await snapshot.CommitAsync(ct);
        progress?.Invoke(1);
        return new BackupSnapshot(schema, counts);
    }

    /// Reads every table's data back out of the dump with pg_restore, counting its rows.
    public static async Task<BackupContents> VerifyAsync(string file, Action<double>? progress, long expectedRows, CancellationToken ct)
    {
        var tools = await PgTools.FindAsync(null, ct);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var migrations = new List<string>();
        long seen = 0;
        await tools.RunAsync("pg_restore", ["--data-only", "--file=-", file], null, null, async output =>
        {
            await foreach (var block in CopyBlocksAsync(output, ct))
            {
                var sealedColumns = SealedColumns.All.Where(c => c.Table == block.Table).Select(c => block.Columns.IndexOf(c.Name)).Where(i => i >= 0).ToList();
                long rows = 0;

                // Counting needs only the lines (a row is one line, its line breaks escaped); few tables are read further.
                await foreach (var line in block.Lines)
                {
                    rows++;
                    if (block.Table == StoreTables.MigrationHistory)
                    {
                        migrations.Add(Fields(line)[0]!);
                    }
                    else if (sealedColumns.Count > 0)
                    {
                        var row = Fields(line);
                        foreach (var i in sealedColumns)
                        {
                            if (row[i] is { Length: > 0 } value)
                            {
                                keys.Add(SecretBox.KeyIdOf(value));
                            }
                        }
                    }

                    if (++seen % 50_000 == 0)
                    {
                        progress?.Invoke(Math.Min(1, (double)seen / Math.Max(1, expectedRows)));
                    }
                }

                counts[block.Table] = rows;
            }
        }, ct);
        return new BackupContents(migrations.Count == 0 ? null : migrations.Max(StringComparer.Ordinal), counts, [.. keys]);
    }

    public static async Task<SealedSample?> SampleAsync(string file, CancellationToken ct)
    {
        var tools = await PgTools.FindAsync(null, ct);
        foreach (var column in SealedColumns.All)
        {
            SealedSample? sample = null;
            await tools.RunAsync("pg_restore", ["--data-only", $"--table={column.Table}", "--file=-", file], null, null, async output =>
            {
                await foreach (var block in CopyBlocksAsync(output, ct))
                {
                    await foreach (var line in block.Lines)
                    {
                        var row = Fields(line);
                        sample ??= SecretCheck.Sample(column, name => block.Columns.IndexOf(name) is var i and >= 0 ? row[i] : null);
                    }
                }
            }, ct);
            if (sample is not null)
            {
                return sample;
            }
        }

        return null;
    }

    /// Whether any table holds a row (EF's own bookkeeping aside).
    public static async Task<bool> HasDataAsync(StoreOptions store, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync(ct);
        foreach (var (table, rows) in await CountTablesAsync(connection, null, ct))
        {
            // The migration history and the search index (whose FTS5 tables hold their settings) say nothing of data.
            if (rows > 0 && !table.StartsWith("__EF", StringComparison.Ordinal) && !StoreTables.IsDerived(table))
            {
                return true;
            }
        }

        return false;
    }

    /// Restores a checked dump into the target database in one transaction: all of it, or nothing.
    ///
    /// The tables' owner becomes the restoring user (--no-owner), who also gets the request role bosun_app (made if the
    /// server has none yet), as the first migration gives it. Default privileges are dumped for the role that set them;
    /// they are set again for the restoring user instead, since the original role may not exist on this server.
    public static async Task RestoreAsync(string file, StoreOptions target, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(target.ConnectionString);
        await connection.OpenAsync(ct);
        var tools = await PgTools.FindAsync(await PgTools.ServerMajorAsync(connection, ct), ct);
        await DropObjectsAsync(connection, ct);
        await ExecuteAsync(connection, $"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PostgresTenantInterceptor.AppRole}') THEN
                    CREATE ROLE {PostgresTenantInterceptor.AppRole} NOLOGIN;
                END IF;
            END $$;
            GRANT {PostgresTenantInterceptor.AppRole} TO CURRENT_USER;
            """, ct);

        var toc = new List<string>();
        await tools.RunAsync("pg_restore", ["--list", file], null, null, async output =>
        {
            while (await output.ReadLineAsync(ct) is { } line)
            {
                toc.Add(line);
            }
        }, ct);

        var list = Path.Combine(Path.GetTempPath(), $"bosun-restore-{Guid.NewGuid():N}.list");
        var acls = list + ".acl";
        try
        {
            await File.WriteAllLinesAsync(list, toc.Where(l => !l.Contains(" DEFAULT ACL ", StringComparison.Ordinal)), ct);
            await File.WriteAllLinesAsync(acls, toc.Where(l => l.Contains(" DEFAULT ACL ", StringComparison.Ordinal)), ct);
            var defaultPrivileges = new StringBuilder();
            await tools.RunAsync("pg_restore", [$"--use-list={acls}", "--file=-", file], null, null, async output =>
            {
                while (await output.ReadLineAsync(ct) is { } line)
                {
                    if (line.StartsWith("ALTER DEFAULT PRIVILEGES", StringComparison.Ordinal))
                    {
                        defaultPrivileges.AppendLine(ForRole().Replace(line, ""));
                    }
                }
            }, ct);

            await tools.RunAsync("pg_restore",
                ["--no-owner", "--exit-on-error", "--single-transaction", "--no-password", $"--use-list={list}", $"--dbname={connection.Database}", file],
                target.ConnectionString, null, null, ct, background: false);
            if (defaultPrivileges.Length > 0)
            {
                await ExecuteAsync(connection, defaultPrivileges.ToString(), ct);
            }
        }
        finally
        {
            File.Delete(list);
            File.Delete(acls);
        }
    }

    /// Removes what a database holds in its schema (tables, sequences, views, functions), and the restoring user's default
    /// privileges there: what a restore with --force replaces, or an empty schema left by an earlier start of the server.
    /// Default privileges left in place would be granted on every table the restore creates, on top of the grants the dump
    /// holds: bosun_app would get back the UPDATE and DELETE on the audit log that Bosun takes from it.
    private static async Task DropObjectsAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ExecuteAsync(connection, """
            DO $$
            DECLARE r record;
            BEGIN
                FOR r IN SELECT d.defaclobjtype AS kind, a.grantee FROM pg_default_acl d
                         JOIN pg_namespace n ON n.oid = d.defaclnamespace
                         CROSS JOIN LATERAL aclexplode(d.defaclacl) a
                         WHERE n.nspname = current_schema() AND d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                           AND a.grantee <> d.defaclrole AND d.defaclobjtype IN ('r', 'S', 'f', 'T')
                LOOP
                    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON %s FROM %s', current_schema(),
                        CASE r.kind WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS' ELSE 'TYPES' END,
                        CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident((SELECT rolname FROM pg_roles WHERE oid = r.grantee)) END);
                END LOOP;
                FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
                           -- An identity column's sequence goes with its table and cannot be dropped on its own.
                           AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i'))
                LOOP
                    EXECUTE format('DROP %s IF EXISTS %I CASCADE',
                        CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                        r.relname);
                END LOOP;
                FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname = current_schema()
                LOOP
                    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.signature);
                END LOOP;
            END $$;
            """, ct);

    /// Rows of every ordinary table (partitions each on their own) in Bosun's schema.
    public static async Task<Dictionary<string, long>> CountTablesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname
            """, connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            counts[table] = await TableRows.CountAsync(connection, transaction, table, ct);
        }

        return counts;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private sealed record CopyBlock(string Table, List<string> Columns, IAsyncEnumerable<string> Lines);

    /// The COPY blocks of a plain-text dump, one line a row (see <see cref="Fields"/>). A block's lines must be read
    /// before the next block is asked for.
    private static async IAsyncEnumerable<CopyBlock> CopyBlocksAsync(StreamReader output, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (await output.ReadLineAsync(ct) is { } line)
        {
            if (CopyStart().Match(line) is not { Success: true } m)
            {
                continue;
            }

            var done = false;
            async IAsyncEnumerable<string> Lines()
            {
                while (await output.ReadLineAsync(ct) is { } row)
                {
                    if (row == "\\.")
                    {
                        break;
                    }

                    yield return row;
                }

                done = true;
            }

            var block = new CopyBlock(Unquote(m.Groups[1].Value), [.. m.Groups[2].Value.Split(", ").Select(Unquote)], Lines());
            yield return block;
            if (!done)
            {
                await foreach (var _ in block.Lines)
                {
                }
            }
        }
    }

    /// A row of COPY's text format: its fields, null for \\N.
    private static string?[] Fields(string line) => [.. line.Split('\t').Select(Unescape)];

    private static string Unquote(string identifier) =>
        identifier.StartsWith('"') ? identifier[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : identifier;

    /// A field of COPY's text format.
    private static string? Unescape(string field)
    {
        if (field == "\\N")
        {
            return null;
        }

        if (!field.Contains('\\'))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] != '\\' || i + 1 == field.Length)
            {
                text.Append(field[i]);
                continue;
            }

            var c = field[++i];
            switch (c)
            {
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'v': text.Append('\v'); break;
                case 'x' when i + 1 < field.Length && Uri.IsHexDigit(field[i + 1]):
                    var hex = field.Substring(i + 1, Math.Min(2, field.Length - i - 1));
                    hex = new string(hex.TakeWhile(Uri.IsHexDigit).ToArray());
                    text.Append((char)int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += hex.Length;
                    break;
                case >= '0' and <= '7':
                    var octal = new string(field.Skip(i).Take(3).TakeWhile(d => d is >= '0' and <= '7').ToArray());
                    text.Append((char)Convert.ToInt32(octal, 8));
                    i += octal.Length - 1;
                    break;
                default: text.Append(c); break;
            }
        }

        return text.ToString();
    }

    [GeneratedRegex("""^COPY (?:[^ .]+|"[^"]+")\.([^ ."]+|"(?:[^"]|"")+") \((.*)\) FROM stdin;$""")]
    private static partial Regex CopyStart();

    [GeneratedRegex("""dumping contents of table "[^."]+\.([^"]+)"$""")]
    private static partial Regex DumpingTable();

    [GeneratedRegex(@"FOR ROLE (?:""(?:[^""]|"""")+""|\S+) ")]
    private static partial Regex ForRole();
}
