using System.Data.Common;
using System.Reflection;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Tests.Storage;

/// Every hand-written statement is prepared on a migrated database of each store, so a statement that names a table or
/// column the schema lacks fails here rather than in production. Statements are found wherever they are declared.
public sealed partial class StatementTests
{
    private static List<Statement> All() =>
        typeof(Statement).Assembly.GetTypes()
            .Where(t => !t.ContainsGenericParameters)
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => f.FieldType == typeof(Statement))
            .Select(f => (Statement)f.GetValue(null)!)
            .ToList();

    [Theory, BothStores]
    public async Task Every_statement_prepares_on_a_migrated_database(StoreKind store)
    {
        var statements = All();
        Assert.Contains(statements, s => s.Name == "claim.lease");
        Assert.Contains(statements, s => s.Name == "run.complete");
        await using var app = await BosunTestApp.StartAsync(store);

        var failures = await app.WithDbAsync(db => PrepareAsync(db, statements));

        Assert.Empty(failures);
    }

    [Theory, BothStores]
    public async Task A_statement_naming_a_column_the_schema_lacks_fails_to_prepare(StoreKind store)
    {
        var renamed = new Statement("run.unchanged_renamed",
            RunStatements.Unchanged.Sqlite.Replace("w.updated_at", "w.updated_on"),
            RunStatements.Unchanged.Postgres.Replace("w.updated_at", "w.updated_on"));
        await using var app = await BosunTestApp.StartAsync(store);

        var failures = await app.WithDbAsync(db => PrepareAsync(db, [RunStatements.Unchanged, renamed]));

        Assert.Equal(["run.unchanged_renamed"], failures.Select(f => f.Name));
        Assert.Contains("updated_on", failures[0].Error);
    }

    private static async Task<List<(string Name, string Error)>> PrepareAsync(BosunDb db, IReadOnlyList<Statement> statements)
    {
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        var failures = new List<(string, string)>();
        foreach (var statement in statements)
        {
            var text = db.IsPostgres ? statement.Postgres : statement.Sqlite;
            if (string.IsNullOrWhiteSpace(text))
            {
                // A statement of the other store only.
                continue;
            }

            try
            {
                if (db.IsPostgres)
                {
                    await PreparePostgresAsync(connection, text);
                }
                else
                {
                    // sqlite3_prepare resolves every table and column the text names.
                    await using var command = connection.CreateCommand();
                    command.CommandText = text;
                    command.Prepare();
                }
            }
            catch (DbException ex)
            {
                failures.Add((statement.Name, ex.Message));
            }
        }

        return failures;
    }

    /// PREPARE plans each statement of the text without running it, with Bosun's @names as $1..$n. A parameter whose type
    /// the statement does not tell, or whose uses suggest two types (text and varchar), is declared as text and the text
    /// prepared again: Bosun's commands send typed values.
    private static async Task PreparePostgresAsync(DbConnection connection, string text)
    {
        foreach (var part in text.Split(';').Select(p => p.Trim()).Where(p => p.Length > 0))
        {
            if (part.StartsWith("SET ", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var names = new List<string>();
            var numbered = Parameter().Replace(part, m =>
            {
                var at = names.IndexOf(m.Groups[1].Value);
                if (at < 0)
                {
                    names.Add(m.Groups[1].Value);
                    at = names.Count - 1;
                }

                return $"${at + 1}";
            });
            var types = names.Select(_ => "unknown").ToArray();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await using (var prepare = connection.CreateCommand())
                    {
                        prepare.CommandText = $"PREPARE bosun_statement_check{(types.Length > 0 ? $" ({string.Join(", ", types)})" : "")} AS {numbered}";
                        await prepare.ExecuteNonQueryAsync();
                    }

                    await using var deallocate = connection.CreateCommand();
                    deallocate.CommandText = "DEALLOCATE bosun_statement_check";
                    await deallocate.ExecuteNonQueryAsync();
                    break;
                }
                catch (Npgsql.PostgresException ex) when (ex.SqlState is "42P18" or "42P08" && attempt < types.Length
                                                          && Untyped().Match(ex.MessageText) is { Success: true } untyped)
                {
                    types[int.Parse(untyped.Groups[1].Value) - 1] = "text";
                }
            }
        }
    }

    [GeneratedRegex(@"@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"parameter \$(\d+)")]
    private static partial Regex Untyped();
}
