using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Npgsql;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Fills one tenant with many work items and comments, then times GET /api/v1/search for a common word, a rare one and
/// one that is nowhere, against the same search as the LIKE scan Bosun used before it had an index, in the same run.
/// The rows are written straight into the store in batches, as an import would: through every trigger that keeps the
/// index current, so the load's rate is the index's write cost too.
public static class SearchBench
{
    private const double GoalP99Ms = 50;
    private const double GoalMissRatio = 20;
    private const int Batch = 50_000;

    /// Words no filler word equals: one in a fifth of the items and comments, one in twenty titles of a million, one nowhere.
    private const string Common = "report";
    private const string Rare = "zeppelin";
    private const string Missing = "quokka";

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var items = new Option<int>("--items") { Description = "Work items to search", DefaultValueFactory = _ => 1_000_000 };
        var comments = new Option<int>("--comments") { Description = "Comments on them", DefaultValueFactory = _ => 200_000 };
        var queries = new Option<int>("--queries") { Description = "Searches timed per word", DefaultValueFactory = _ => 200 };
        var command = new Command("search", "Full-text search over many items and comments against a LIKE scan") { store, items, comments, queries };
        command.SetAction((result, ct) => BenchServer.RunToEndAsync(
            () => RunAsync(result.GetValue(store)!, Math.Max(1_000, result.GetValue(items)), Math.Max(0, result.GetValue(comments)), Math.Max(10, result.GetValue(queries)), ct), ct));
        return command;
    }

    private static async Task RunAsync(string store, int items, int comments, int queries, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (tenant, client) = await server.CreateTenantAsync("search");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {items:N0} work items and {comments:N0} comments");
        await BenchServer.PostAsync(client, "api/v1/projects", new { key = "BEN", name = "Search bench" }, ct);
        var template = await BenchServer.PostAsync(client, "api/v1/work", new { project_id = "BEN", title = "Template item", description = "template" }, ct);
        var templateId = template.GetProperty("id").GetString()!;
        await BenchServer.PostAsync(client, $"api/v1/work/{templateId}/comments", new { body = "template comment" }, ct);

        await using var connection = await OpenAsync(server.Store, ct);
        var load = Stopwatch.StartNew();
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var itemTask = progress.AddTask("work items", maxValue: items);
            var commentTask = progress.AddTask("comments", maxValue: comments);
            var kind = server.Store.Kind;
            var itemInsert = Statements.Insert(kind, "work_items", await ColumnsAsync(connection, kind, "work_items", ct), Statements.Items(kind),
                "t.tenant_id = @tenant AND t.id = @template");
            await LoadAsync(connection, kind, itemInsert, tenant, templateId, items, items, itemTask, ct);
            var commentInsert = Statements.Insert(kind, "comments", await ColumnsAsync(connection, kind, "comments", ct), Statements.Comments(kind),
                "t.tenant_id = @tenant AND t.work_item_id = @template");
            await LoadAsync(connection, kind, commentInsert, tenant, templateId, comments, items, commentTask, ct);
        });
        load.Stop();
        if (server.Store.Kind == StoreKind.Postgres)
        {
            // What autovacuum does within a minute of a load this size, done now so the planner knows the words.
            await ExecuteAsync(connection, "ANALYZE search_entries; ANALYZE work_items; ANALYZE comments", ct);
        }

        AnsiConsole.MarkupLineInterpolated($"Loaded and indexed {items + comments:N0} rows in {load.Elapsed.TotalSeconds:N1} s ({(items + comments) / load.Elapsed.TotalSeconds:N0} rows/s)");

        var table = new Table { Title = new TableTitle($"Search, {server.Store.Kind}, {items:N0} items and {comments:N0} comments") }
            .AddColumns("Word", "Matches", "Search p50 ms", "Search p99 ms", "LIKE scan p50 ms", "LIKE scan p99 ms", "Scan / search (p50)");
        var verdicts = new List<string>();
        foreach (var (label, word) in new[] { ("common", Common), ("rare", Rare), ("missing", Missing) })
        {
            var matches = await ScalarAsync(connection, server.Store.Kind, Statements.Count, tenant, word, ct);
            var search = new List<double>();
            for (var i = 0; i < queries + 5; i++)
            {
                var watch = Stopwatch.StartNew();
                using var answer = await client.GetAsync($"api/v1/search?q={word}&limit=10", ct);
                answer.EnsureSuccessStatusCode();
                await answer.Content.ReadAsByteArrayAsync(ct);
                if (i >= 5)
                {
                    search.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            // A scan reads every row, so a few runs tell its time.
            var scan = new List<double>();
            for (var i = 0; i < 6; i++)
            {
                var watch = Stopwatch.StartNew();
                await ScalarAsync(connection, server.Store.Kind, Statements.Scan, tenant, $"%{word}%", ct);
                if (i >= 1)
                {
                    scan.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            search.Sort();
            scan.Sort();
            var (p50, p99, scan50) = (Percentile(search, 0.50), Percentile(search, 0.99), Percentile(scan, 0.50));
            table.AddRow(label + $" ({word})", $"{matches:N0}", $"{p50:N2}", $"{p99:N2}", $"{scan50:N1}", $"{Percentile(scan, 0.99):N1}", $"{scan50 / p50:N1}");
            verdicts.Add($"{label}: p99 {p99:N1} ms (goal < {GoalP99Ms:N0} ms: {(p99 < GoalP99Ms ? "met" : "not met")})"
                         + (word == Missing ? $", scan / search {scan50 / p50:N0}x (goal >= {GoalMissRatio:N0}x: {(scan50 / p50 >= GoalMissRatio ? "met" : "not met")})" : ""));
        }

        AnsiConsole.Write(table);
        foreach (var verdict in verdicts)
        {
            AnsiConsole.WriteLine(verdict);
        }
    }

    private static async Task<List<string>> ColumnsAsync(DbConnection connection, StoreKind kind, string table, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Statements.ColumnsOf(kind, table);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    private static async Task LoadAsync(DbConnection connection, StoreKind kind, string statement, string tenant, string template,
        int count, int items, ProgressTask task, CancellationToken ct)
    {
        var words = Words();
        if (kind == StoreKind.Sqlite)
        {
            await ExecuteAsync(connection, "CREATE TEMP TABLE IF NOT EXISTS bench_words (k INTEGER PRIMARY KEY, w TEXT NOT NULL)", ct);
            await ExecuteAsync(connection, "DELETE FROM temp.bench_words", ct);
            await ExecuteAsync(connection, "INSERT INTO temp.bench_words VALUES " + string.Join(",", words.Select((w, i) => $"({i}, '{w}')")), ct);
        }

        for (var from = 1; from <= count; from += Batch)
        {
            var to = Math.Min(count, from + Batch - 1);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statement;
            command.CommandTimeout = 0;
            command.With(("tenant", tenant), ("template", template), ("from", from), ("to", to), ("items", items), ("prefix", template[..16]));
            if (kind == StoreKind.Postgres)
            {
                command.With("words", words);
            }

            await command.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            task.Increment(to - from + 1);
        }

        task.Value = task.MaxValue;
    }

    /// 500 made-up filler words of two or three syllables, none of them a word the bench looks for.
    private static string[] Words()
    {
        string[] syllables = ["ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "du", "ga", "ho", "fi", "be", "zo", "ju", "ly", "wa", "xe", "qi"];
        return Enumerable.Range(0, 500)
            .Select(i => syllables[i % 20] + syllables[i / 20 % 20] + (i >= 400 ? syllables[i % 7] : "") + (i % 3 == 0 ? "n" : ""))
            .ToArray();
    }

    private static async Task<DbConnection> OpenAsync(StoreOptions store, CancellationToken ct)
    {
        if (store.Kind == StoreKind.Sqlite)
        {
            return await SqliteLoad.OpenAsync(store, ct);
        }

        var connection = new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    private static async Task ExecuteAsync(DbConnection connection, string text, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = text;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(DbConnection connection, StoreKind kind, (string Sqlite, string Postgres) statement, string tenant, string word, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = kind == StoreKind.Postgres ? statement.Postgres : statement.Sqlite;
        command.CommandTimeout = 0;
        command.With(("tenant", tenant), ("word", word));
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static class Statements
    {
        private const string SqliteWord = "(SELECT w FROM temp.bench_words WHERE k = ({0}) % 500)";
        private const string PostgresWord = "(@words::text[])[1 + ({0}) % 500]";

        private static string Word(StoreKind kind, string n) => string.Format(kind == StoreKind.Postgres ? PostgresWord : SqliteWord, n);

        private static string Words(StoreKind kind, int count, int seed) =>
            string.Join(" || ' ' || ", Enumerable.Range(0, count).Select(k => Word(kind, $"i * {7 + 6 * k + seed} + {k}")));

        private static string Padded(StoreKind kind, string n, int width) =>
            kind == StoreKind.Postgres ? $"lpad(({n})::text, {width}, '0')" : $"printf('%0{width}d', {n})";

        /// Items copied from the template item, each with its own id, number, key and words: three in the title, twelve
        /// in the description, the common word in every fifth description and the rare one in every 50,000th title.
        public static Dictionary<string, string> Items(StoreKind kind) => new()
        {
            ["id"] = $"@prefix || {Padded(kind, "i", 10)}",
            ["position"] = $"@prefix || {Padded(kind, "i", 10)}",
            ["number"] = "i + 1000",
            ["key"] = "'BEN-' || (i + 1000)",
            ["title"] = $"{Words(kind, 3, 0)} || CASE WHEN i % 50000 = 7 THEN ' {Rare}' ELSE '' END",
            ["description"] = $"{Words(kind, 12, 1)} || CASE WHEN i % 5 = 0 THEN ' {Common}' ELSE '' END",
        };

        /// Comments copied from the template comment, on items spread over all of them, the common word in every fifth.
        public static Dictionary<string, string> Comments(StoreKind kind) => new()
        {
            ["id"] = $"@prefix || 'C' || {Padded(kind, "i", 9)}",
            ["work_item_id"] = $"@prefix || {Padded(kind, "1 + (i * 7919) % @items", 10)}",
            ["body"] = $"{Words(kind, 8, 2)} || CASE WHEN i % 5 = 0 THEN ' {Common}' ELSE '' END",
        };

        /// An INSERT … SELECT of rows numbered @from to @to, each column the override given or the template row's value.
        public static string Insert(StoreKind kind, string table, IReadOnlyList<string> columns, Dictionary<string, string> overrides, string templateWhere)
        {
            var names = string.Join(", ", columns);
            var values = string.Join(", ", columns.Select(c => overrides.TryGetValue(c, out var e) ? e : $"t.{c}"));
            return kind == StoreKind.Postgres
                ? $"INSERT INTO {table} ({names}) SELECT {values} FROM generate_series(@from, @to) AS s(i), {table} t WHERE {templateWhere}"
                : $"WITH RECURSIVE s(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM s WHERE i < @to) INSERT INTO {table} ({names}) SELECT {values} FROM s, {table} t WHERE {templateWhere}";
        }

        public static string ColumnsOf(StoreKind kind, string table) => kind == StoreKind.Postgres
            ? $"SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}' AND is_generated = 'NEVER' ORDER BY ordinal_position"
            : $"SELECT name FROM pragma_table_xinfo('{table}') WHERE hidden = 0 ORDER BY cid";

        /// How many items and comments hold the word, as the index counts them.
        public static readonly (string Sqlite, string Postgres) Count = (
            "SELECT count(*) FROM search_fts WHERE search_fts MATCH '{title body} : \"' || @word || '\"'",
            "SELECT count(*) FROM search_entries WHERE tenant_id = @tenant AND document @@ plainto_tsquery('english', @word)");

        /// The search as it was before the index: every item's title, key, description and output, and every comment,
        /// scanned for the word, newest ten of each.
        public static readonly (string Sqlite, string Postgres) Scan = (
            """
            SELECT (SELECT count(*) FROM (SELECT id FROM work_items WHERE tenant_id = @tenant AND archived_at IS NULL
                      AND (title LIKE @word OR key LIKE @word OR description LIKE @word OR output_json LIKE @word) ORDER BY id DESC LIMIT 10))
                 + (SELECT count(*) FROM (SELECT id FROM comments WHERE tenant_id = @tenant AND body LIKE @word ORDER BY id DESC LIMIT 10))
            """,
            """
            SELECT (SELECT count(*) FROM (SELECT id FROM work_items WHERE tenant_id = @tenant AND archived_at IS NULL
                      AND (title ILIKE @word OR key ILIKE @word OR description ILIKE @word OR output_json ILIKE @word) ORDER BY id DESC LIMIT 10) a)
                 + (SELECT count(*) FROM (SELECT id FROM comments WHERE tenant_id = @tenant AND body ILIKE @word ORDER BY id DESC LIMIT 10) b)
            """);
    }
}
