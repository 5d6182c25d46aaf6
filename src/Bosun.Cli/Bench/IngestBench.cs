using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Posts agent events over HTTP in batches, then bulk-loads the same rows into the same table (COPY on
/// PostgreSQL, one prepared multi-row transaction on SQLite) and prints both rates and their ratio.
public static class IngestBench
{
    private static readonly string[] Types = ["llm_request", "tool_use", "file_edit", "command", "error"];

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var count = new Option<int>("--events") { Description = "How many events", DefaultValueFactory = _ => 1_000_000 };
        var batch = new Option<int>("--batch") { Description = "Events per request (at most 10,000)", DefaultValueFactory = _ => 10_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight", DefaultValueFactory = _ => 3 };
        var command = new Command("ingest", "Agent event ingest over HTTP against a bulk load of the same rows") { store, count, batch, concurrency };
        command.SetAction(async (result, ct) =>
        {
            return await BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, result.GetValue(count), Math.Clamp(result.GetValue(batch), 1, 10_000), Math.Max(1, result.GetValue(concurrency)), ct), ct);
        });
        return command;
    }

    private sealed record Row(string Id, DateTime At, string Type, string Agent, string Session, string Project, string Context, string Metrics, long Tokens, long CostMicros, long DurationMs);

    private static async Task RunAsync(string store, int count, int batchSize, int concurrency, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (_, client) = await server.CreateTenantAsync("ingest");
        var (bulkTenant, _) = await server.CreateTenantAsync("bulk");
        var (_, warmup) = await server.CreateTenantAsync("warmup");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {count:N0} events, {batchSize:N0} per request, {concurrency} in flight");

        var start = DateTime.UtcNow.AddHours(-20);
        var bodies = Generate(count, start).Chunk(batchSize).Select(ToNdjson).ToList();
        AnsiConsole.MarkupLineInterpolated($"Prepared {bodies.Count:N0} request bodies ({bodies.Sum(b => (long)b.Length) / (1 << 20):N0} MiB of NDJSON)");

        // Warm up on another tenant over the same hours: compiles the code paths and creates the day partitions,
        // which the bulk load would otherwise find already made by the timed run.
        foreach (var body in Generate(20_000, start).Chunk(batchSize).Select(ToNdjson))
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            (await warmup.PostAsync("api/v1/events", content, ct)).EnsureSuccessStatusCode();
        }

        // The rows are made again for the bulk load rather than kept: millions of live objects would slow every
        // garbage collection of the HTTP phase, which the server shares a process with here.
        GC.Collect();
        var http = Stopwatch.StartNew();
        var next = -1;
        long inserted = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < bodies.Count)
            {
                var content = new ByteArrayContent(bodies[index]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await client.PostAsync("api/v1/events", content, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"Ingest failed: {(int)response.StatusCode} {text}");
                }

                Interlocked.Add(ref inserted, JsonDocument.Parse(text).RootElement.GetProperty("inserted").GetInt64());
            }
        }));
        http.Stop();
        if (inserted != count)
        {
            throw new InvalidOperationException($"Expected {count} events inserted, the server reported {inserted}.");
        }

        bodies.Clear();
        var rows = Generate(count, start);
        GC.Collect();
        var bulk = Stopwatch.StartNew();
        if (server.Store.Kind == StoreKind.Postgres)
        {
            await CopyAsync(server.Store.ConnectionString, bulkTenant, rows, ct);
        }
        else
        {
            await SqliteBulkAsync(server.Store.ConnectionString, bulkTenant, rows, ct);
        }

        bulk.Stop();
        var httpRate = count / http.Elapsed.TotalSeconds;
        var bulkRate = count / bulk.Elapsed.TotalSeconds;
        var table = new Table { Title = new TableTitle($"Agent event ingest, {server.Store.Kind}") }.AddColumns("Path", "Events", "Seconds", "Events/s");
        table.AddRow("HTTP POST /api/v1/events (NDJSON, roll-ups maintained)", $"{count:N0}", $"{http.Elapsed.TotalSeconds:N2}", $"{httpRate:N0}");
        table.AddRow(server.Store.Kind == StoreKind.Postgres ? "Bulk load: COPY (binary) into agent_events" : "Bulk load: one transaction, one prepared INSERT for every row", $"{count:N0}", $"{bulk.Elapsed.TotalSeconds:N2}", $"{bulkRate:N0}");
        AnsiConsole.Write(table);
        var ratio = httpRate / bulkRate;
        AnsiConsole.MarkupLineInterpolated($"Ratio HTTP / bulk: [bold]{ratio:N2}[/] (goal ≥ 0.5: {(ratio >= 0.5 ? "met" : "not met")})");
    }

    private static Row[] Generate(int count, DateTime start)
    {
        var random = new Random(42);
        var rows = new Row[count];
        for (var i = 0; i < count; i++)
        {
            var input = random.Next(0, 4000);
            var output = random.Next(0, 800);
            var cost = random.Next(0, 20_000);
            var duration = random.Next(5, 5000);

            // Like real telemetry: 40 sessions run at a time, each belongs to one agent and one project, and a
            // session's events arrive interleaved with the others' over about half an hour.
            var session = i / 20_000 * 40 + i % 40;
            rows[i] = new Row($"ev-{i:D8}", start.AddMilliseconds(i * (72_000_000.0 / count)), Types[random.Next(Types.Length)],
                $"agent-{session % 20}", $"session-{session}", $"P{session % 5}", $"{{\"host\":\"build-{random.Next(8)}\"}}",
                $"{{\"input_tokens\":{input},\"output_tokens\":{output},\"cost_usd\":{Money.ToUsd(cost)},\"duration_ms\":{duration}}}",
                input + output, cost, duration);
        }

        return rows;
    }

    private static byte[] ToNdjson(Row[] rows)
    {
        var text = new StringBuilder(rows.Length * 330);
        foreach (var r in rows)
        {
            text.Append("{\"id\":\"").Append(r.Id).Append("\",\"timestamp\":\"").Append(r.At.ToString("O")).Append("\",\"type\":\"").Append(r.Type)
                .Append("\",\"agent\":\"").Append(r.Agent).Append("\",\"session\":\"").Append(r.Session).Append("\",\"project\":\"").Append(r.Project)
                .Append("\",\"context\":").Append(r.Context).Append(",\"metrics\":").Append(r.Metrics).Append(",\"tags\":[\"bench\"]}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static DateTime Micros(DateTime at) => new(at.Ticks - at.Ticks % 10, DateTimeKind.Utc);

    private static async Task CopyAsync(string connectionString, string tenant, Row[] rows, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var now = DateTime.UtcNow;
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY agent_events (tenant_id, occurred_at, id, type, agent_id, session_id, project_id, run_id, severity, tags_json, context_json, data_json, metrics_json, tokens, cost_micros, duration_ms, received_at) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var r in rows)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(tenant, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(Micros(r.At), NpgsqlDbType.TimestampTz, ct);
            await writer.WriteAsync(r.Id, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(r.Type, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(r.Agent, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(r.Session, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(r.Project, NpgsqlDbType.Varchar, ct);
            await writer.WriteNullAsync(ct);
            await writer.WriteAsync("info", NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync("[\"bench\"]", NpgsqlDbType.Text, ct);
            await writer.WriteAsync(r.Context, NpgsqlDbType.Text, ct);
            await writer.WriteNullAsync(ct);
            await writer.WriteAsync(r.Metrics, NpgsqlDbType.Text, ct);
            await writer.WriteAsync(r.Tokens, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(r.CostMicros, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(r.DurationMs, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
        }

        await writer.CompleteAsync(ct);
    }

    private static async Task SqliteBulkAsync(string connectionString, string tenant, Row[] rows, CancellationToken ct)
    {
        const int perStatement = 1;
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(ct);
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        var now = DateTime.UtcNow;
        SqliteCommand Prepare(int count)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            var values = Enumerable.Range(0, count).Select(i =>
                $"(@t, @at{i}, @id{i}, @type{i}, @agent{i}, @session{i}, @project{i}, NULL, 'info', '[\"bench\"]', @context{i}, NULL, @metrics{i}, @tokens{i}, @cost{i}, @duration{i}, @now)");
            command.CommandText = "INSERT INTO agent_events (tenant_id, occurred_at, id, type, agent_id, session_id, project_id, run_id, severity, tags_json, context_json, data_json, metrics_json, tokens, cost_micros, duration_ms, received_at) VALUES "
                + string.Join(", ", values);
            command.Parameters.AddWithValue("@t", tenant);
            command.Parameters.AddWithValue("@now", now);
            foreach (var name in new[] { "at", "id", "type", "agent", "session", "project", "context", "metrics", "tokens", "cost", "duration" })
            {
                for (var i = 0; i < count; i++)
                {
                    command.Parameters.Add(new SqliteParameter($"@{name}{i}", null));
                }
            }

            command.Prepare();
            return command;
        }

        await using var full = Prepare(perStatement);
        foreach (var chunk in rows.Chunk(perStatement))
        {
            var command = chunk.Length == perStatement ? full : Prepare(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                var r = chunk[i];
                command.Parameters[$"@at{i}"].Value = r.At;
                command.Parameters[$"@id{i}"].Value = r.Id;
                command.Parameters[$"@type{i}"].Value = r.Type;
                command.Parameters[$"@agent{i}"].Value = r.Agent;
                command.Parameters[$"@session{i}"].Value = r.Session;
                command.Parameters[$"@project{i}"].Value = r.Project;
                command.Parameters[$"@context{i}"].Value = r.Context;
                command.Parameters[$"@metrics{i}"].Value = r.Metrics;
                command.Parameters[$"@tokens{i}"].Value = r.Tokens;
                command.Parameters[$"@cost{i}"].Value = r.CostMicros;
                command.Parameters[$"@duration{i}"].Value = r.DurationMs;
            }

            await command.ExecuteNonQueryAsync(ct);
            if (!ReferenceEquals(command, full))
            {
                await command.DisposeAsync();
            }
        }

        await transaction.CommitAsync(ct);
    }
}
