using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// `bosun bench scale`: one tenant the size real teams reach (a million work items, ten million LLM calls, ten million
/// agent events by default) loaded through the bulk paths a user has, then the reads people and agents make all day,
/// from several clients at once over HTTP, each beside the same query run straight on the database.
public static partial class ScaleBench
{
    private const string Password = "bench password 1";
    private const int Projects = 50;
    private const int AgentCount = 200;
    private const int People = 20;

    private static readonly string[] Labels =
        ["frontend", "backend", "infra", "docs", "security", "billing", "mobile", "search", "design", "data",
         "urgent", "customer", "bug", "chore", "research", "api", "ui", "ops", "qa", "legal"];

    private static readonly string[] Models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5", "gpt-5", "gpt-4.1-mini", "gemini-2.5-pro"];

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var items = new Option<int>("--items") { Description = "Work items in the tenant", DefaultValueFactory = _ => 1_000_000 };
        var calls = new Option<int>("--llm-calls") { Description = "LLM calls recorded on the tenant's runs", DefaultValueFactory = _ => 10_000_000 };
        var events = new Option<int>("--events") { Description = "Agent events ingested", DefaultValueFactory = _ => 10_000_000 };
        var requests = new Option<int>("--requests") { Description = "Timed requests per row, spread over the clients", DefaultValueFactory = _ => 400 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 8 };
        var command = new Command("scale", "Lists, board, inbox, costs, roll-ups and search on a tenant of a million items, with the same queries run on the database")
        {
            store, items, calls, events, requests, clients,
        };
        command.SetAction(async (result, ct) =>
        {
            var size = new Size(Math.Max(1_000, result.GetValue(items)), Math.Max(0, result.GetValue(calls)), Math.Max(0, result.GetValue(events)));
            return await BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, size, Math.Max(8, result.GetValue(requests)),
                Math.Clamp(result.GetValue(clients), 1, 64), ct), ct);
        });
        return command;
    }

    private sealed record Size(int Items, int Calls, int Events);

    private sealed record Row(string Group, string What, double GoalMs, List<double> Http, List<double>? Direct, string? Plan, string Note = "")
    {
        public double P(double p) => Percentile(Http, p);
    }

    private static async Task RunAsync(string store, Size size, int requests, int clients, CancellationToken ct)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 150);  // a log file gets the table's rows whole
        }

        await using var server = await BenchServer.StartAsync(store);
        var (tenantId, owner) = await server.CreateTenantAsync("scale");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}: {size.Items:N0} items over {Projects} projects, {AgentCount} agents, {People} people, {size.Calls:N0} LLM calls, {size.Events:N0} events; {clients} clients, {requests} requests per row");
        var total = Stopwatch.StartNew();
        var seed = await SeedAsync(server, tenantId, owner, size, ct);
        AnsiConsole.MarkupLineInterpolated($"Seeded in {total.Elapsed.TotalSeconds:N0} s");

        // The same 200-item project in a tenant of its own: what the small board costs when nothing else is there.
        // Its agents and people are there too, so its cards name the same assignees and its pickers list as many.
        var (_, emptyOwner) = await server.CreateTenantAsync("empty");
        await BenchServer.PostAsync(emptyOwner, "api/v1/projects", new { key = "SMALL", name = "Small" }, ct);
        foreach (var name in seed.Agents)
        {
            await BenchServer.PostAsync(emptyOwner, "api/v1/agents", new { name, role = "coder" }, ct);
        }

        await BatchAsync(emptyOwner, "SMALL", size.Items - 200, 200, seed.Agents, [], ct);
        using var board = await SignInAsync(server, "scale", ct);
        using var emptyBoard = await SignInAsync(server, "empty", ct);

        var rows = new List<Row>();
        var sql = new Direct(server.Store, tenantId);
        async Task Measure(string group, string what, double goal, HttpClient client, string url, string? directSql, params (string, object)[] args)
        {
            var http = await TimeAsync(requests, clients, async () =>
            {
                using var response = await client.GetAsync(url, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
            });
            var direct = directSql is null ? null : await TimeAsync(requests, clients, () => sql.ReadAsync(directSql, args, ct));
            var row = new Row(group, what, goal, http, direct, null);
            if (row.P(0.99) > goal && directSql is not null)
            {
                row = row with { Plan = await sql.PlanAsync(directSql, args, ct) };
            }

            rows.Add(row);
            AnsiConsole.MarkupLineInterpolated($"[grey]{group} · {what}: p50 {row.P(0.5):F1} ms, p99 {row.P(0.99):F1} ms[/]");
        }

        // Work lists: first page and page 200 (or the list's last page when it has fewer).
        const string list = "SELECT * FROM work_items WHERE tenant_id = @t AND archived_at IS NULL AND {0} {1} ORDER BY id LIMIT 51";
        var lists = new (string Name, string Query, string Where, object Value)[]
        {
            ($"by project ({seed.BigCount:N0} items)", $"project={seed.Big}", "project_id = @v", seed.BigId),
            ("by project (200 items, made after the rest)", "project=SMALL", "project_id = @v", seed.SmallId),
            ("by status", "status=ready", "status = @v", "ready"),
            ("by assignee", $"assignee=agent:{seed.Agents[1]}", "assignee_agent_id = @v", seed.Agents[1]),
            ("by label", "label=security", "EXISTS (SELECT 1 FROM work_item_labels l WHERE l.tenant_id = @t AND l.work_item_id = work_items.id AND l.label = @v)", "security"),
        };
        foreach (var (name, query, where, value) in lists)
        {
            await Measure("work list", $"{name}, first page", 25, owner, $"api/v1/work?{query}&limit=50", string.Format(list, where, ""), ("v", value));
            var (page, cursor) = await CursorAtAsync(owner, $"api/v1/work?{query}&limit=50", 200, ct);
            if (cursor is not null)
            {
                await Measure("work list", $"{name}, page {page} by cursor", 25, owner, $"api/v1/work?{query}&limit=50&cursor={cursor}",
                    string.Format(list, where, "AND id > @c"), ("v", value), ("c", cursor));
            }
        }

        const string children = "SELECT * FROM work_items WHERE tenant_id = @t AND archived_at IS NULL AND parent_id = @v ORDER BY position, id LIMIT 51";
        await Measure("work list", "by parent (children in order)", 25, owner, $"api/v1/work?parent={seed.Parent}&limit=50", children, ("v", seed.ParentId));

        // Boards: server time (Server-Timing) and request to last byte, for the big project, the small one, and the small
        // one in an empty tenant.
        foreach (var (name, client, project) in new[] { ($"{seed.BigCount:N0}-item project", board, seed.Big), ("200-item project", board, "SMALL"), ("200-item project, empty tenant", emptyBoard, "SMALL") })
        {
            var serverMs = new List<double>();
            var toLastByte = await TimeAsync(requests / 4, clients, async () =>
            {
                using var response = await client.GetAsync($"board?project={project}", ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                response.EnsureSuccessStatusCode();
                if (ServerTiming().Match(response.Headers.TryGetValues("Server-Timing", out var timing) ? timing.First() : "") is { Success: true } m)
                {
                    lock (serverMs)
                    {
                        serverMs.Add(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                    }
                }
            });
            // The board's own queries: the column counts, then the first cards of one column.
            var projectId = project == "SMALL" ? (client == emptyBoard ? null : seed.SmallId) : seed.BigId;
            var boardSql = "SELECT status, count(*) FROM work_items WHERE tenant_id = @t AND archived_at IS NULL AND project_id = @v GROUP BY status;"
                + "SELECT * FROM work_items WHERE tenant_id = @t AND archived_at IS NULL AND project_id = @v AND status = 'backlog' ORDER BY id LIMIT 26";
            var boardDirect = projectId is null ? null : await TimeAsync(requests / 4, clients, () => sql.ReadAsync(boardSql, [("v", projectId)], ct));
            var boardPlan = projectId is null ? null : await sql.PlanAsync(boardSql, [("v", projectId)], ct);
            rows.Add(new Row("board page", $"{name}, server time", 100, serverMs, boardDirect, Percentile(serverMs, 0.99) > 100 || project == "SMALL" ? boardPlan : null));
            rows.Add(new Row("board page", $"{name}, to last byte", 100, toLastByte, null, null));
            AnsiConsole.MarkupLineInterpolated($"[grey]board page · {name}: server p50 {Percentile(serverMs, 0.5):F1} ms, to last byte p50 {Percentile(toLastByte, 0.5):F1} ms[/]");
        }

        // Inbox and approvals: the items assigned to the caller and the approvals waiting.
        const string assigned = "SELECT * FROM work_items WHERE tenant_id = @t AND {0} = @v AND status NOT IN ('done', 'cancelled') AND archived_at IS NULL ORDER BY id LIMIT 200";
        const string pending = "SELECT * FROM approvals WHERE tenant_id = @t AND status = 'pending' ORDER BY id LIMIT 200";
        await Measure("inbox", "a person's inbox (approvals and assigned items)", 25, seed.Person, "api/v1/inbox", string.Format(assigned, "assignee_user_id") + ";" + pending, ("v", seed.PersonId));
        await Measure("inbox", "an agent's inbox (assigned items)", 25, seed.Agent, "api/v1/inbox", string.Format(assigned, "assignee_agent_id"), ("v", seed.AgentId));
        await Measure("inbox", "approvals queue, pending (a person)", 25, seed.Person, "api/v1/approvals?status=pending&limit=50", pending);
        await Measure("inbox", "approvals queue, pending (an agent)", 25, seed.Agent, "api/v1/approvals?status=pending&limit=50", pending);

        // Costs of the month the calls were made in, and event roll-ups for a day and that month.
        var (from, to) = (seed.From.ToString("yyyy-MM-dd"), seed.From.AddDays(30).ToString("yyyy-MM-dd"));
        foreach (var (by, column) in new[] { ("day", "day"), ("model", "model"), ("agent", "agent_id"), ("project", "project_id") })
        {
            // The summary's grouping, then its top agents, projects and work items of the same range, as the service runs them.
            const string sums = "sum(calls), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(cost_micros), sum(list_cost_micros), sum(unpriced_calls)";
            const string range = "FROM cost_daily WHERE tenant_id = @t AND day >= @f AND day < @u";
            var tops = new[] { "agent_id", "project_id", "work_item_id" }.Where(c => c != column)
                .Select(c => $"SELECT {c}, {sums} {range} AND {c} <> '' GROUP BY {c} ORDER BY sum(cost_micros) DESC, sum(list_cost_micros) DESC LIMIT 5");
            await Measure("cost summary", $"a month by {by}", 100, owner, $"api/v1/costs/summary?from={from}&to={to}&by={by}",
                string.Join(";", tops.Prepend($"SELECT {column}, {sums} {range} GROUP BY {column}")), ("f", seed.From), ("u", seed.From.AddDays(30)));
        }

        foreach (var (span, days) in new[] { ("a day", 1), ("a month", 30) })
        {
            var end = seed.From.AddDays(days);
            await Measure("event roll-ups", span, 50, owner, $"api/v1/events/rollups?from={seed.From:O}&to={end:O}",
                "SELECT hour, project_id, agent_id, type, events, sessions, tokens, cost_micros FROM agent_event_rollups WHERE tenant_id = @t AND hour >= @f AND hour < @u",
                ("f", seed.From), ("u", end));
        }

        await Measure("search", "a word no item has", 50, owner, "api/v1/search?q=quokka", null);
        await Measure("search", "a word in a fifth of the items", 50, owner, "api/v1/search?q=report", null);

        var table = new Table { Title = new TableTitle($"bosun bench scale, {server.Store.Kind}: {size.Items:N0} items, {size.Calls:N0} LLM calls, {size.Events:N0} events, {clients} clients") }
            .AddColumns("what", "HTTP p50 ms", "HTTP p99 ms", "goal p99", "met", "DB p50 ms", "DB p99 ms");
        foreach (var group in rows.GroupBy(r => r.Group))
        {
            foreach (var r in group)
            {
                table.AddRow($"{r.Group}: {r.What}", r.P(0.5).ToString("F1"), r.P(0.99).ToString("F1"), $"< {r.GoalMs:N0}", r.P(0.99) < r.GoalMs ? "yes" : "[red]no[/]",
                    r.Direct is null ? "—" : Percentile(r.Direct, 0.5).ToString("F2"), r.Direct is null ? "—" : Percentile(r.Direct, 0.99).ToString("F2"));
            }
        }

        AnsiConsole.Write(table);
        var small = Percentile(rows.Single(r => r.What == "200-item project, server time").Http, 0.5);
        var alone = Percentile(rows.Single(r => r.What == "200-item project, empty tenant, server time").Http, 0.5);
        AnsiConsole.MarkupLineInterpolated($"Small board in the big tenant / in an empty tenant (server time, p50): [bold]{small / alone:F2}×[/] (goal ≤ 2×: {(small / alone <= 2 ? "met" : "not met")})");
        var peak = PeakResidentMb();
        AnsiConsole.MarkupLineInterpolated($"Peak resident memory of the process (server and the benchmark's clients): [bold]{peak:N0} MB[/] (goal < 500 MB: {(peak < 500 ? "met" : "not met")})");
        var met = rows.Count(r => r.P(0.99) < r.GoalMs);
        AnsiConsole.MarkupLineInterpolated($"Rows within their goal: [bold]{met} of {rows.Count}[/]. DB: the same statement on a connection of its own, as the database's owner (no row-level security), {clients} at once.");
        foreach (var r in rows.Where(r => r.Plan is not null))
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Over its goal: {r.Group}: {r.What}[/] — query plan of the same query:");
            AnsiConsole.WriteLine(r.Plan!);
        }

        AnsiConsole.MarkupLineInterpolated($"Total {total.Elapsed.TotalMinutes:N1} min");
    }

    private sealed record Seed(string Big, string BigId, string SmallId, int BigCount, string Parent, string ParentId, string[] Agents, HttpClient Agent, string AgentId,
        HttpClient Person, string PersonId, DateTime From);

    /// The tenant: projects, agents, people, items by the batch endpoint with parents, dependencies, labels and
    /// assignees, comments, approvals from real cycles, runs with their LLM calls, and agent events.
    private static async Task<Seed> SeedAsync(BenchServer server, string tenantId, HttpClient owner, Size size, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var bigCount = Math.Min(20_000, size.Items / 5);
        var projectIds = new List<(string Key, string Id)>();
        foreach (var key in new[] { "BIG", "SMALL" }.Concat(Enumerable.Range(2, Projects - 2).Select(p => $"P{p:D2}")))
        {
            projectIds.Add((key, (await BenchServer.PostAsync(owner, "api/v1/projects", new { key, name = $"Project {key}" }, ct)).GetProperty("id").GetString()!));
        }

        var agents = new string[AgentCount];
        var agentIds = new string[AgentCount];
        for (var a = 0; a < AgentCount; a++)
        {
            agents[a] = $"agent-{a:D3}";
            agentIds[a] = (await BenchServer.PostAsync(owner, "api/v1/agents", new { name = agents[a], role = "coder", max_concurrent_runs = 1000, run_timeout_seconds = 86_400 }, ct)).GetProperty("id").GetString()!;
        }

        var agentToken = (await BenchServer.PostAsync(owner, "api/v1/tokens", new { name = "bench", agent_id = agentIds[0] }, ct)).GetProperty("token").GetString()!;
        var people = new List<(string Email, string Id, string Token)>();
        for (var p = 0; p < People; p++)
        {
            var invitation = await BenchServer.PostAsync(owner, "api/v1/invitations", new { email = $"person{p}@scale.test", role = p == 0 ? "reviewer" : "member" }, ct);
            var accepted = await BenchServer.PostAsync(owner, "api/v1/invitations/accept", new { token = invitation.GetProperty("token").GetString(), name = $"Person {p}", password = Password }, ct);
            people.Add(($"person{p}@scale.test", accepted.GetProperty("user").GetProperty("id").GetString()!, accepted.GetProperty("token").GetProperty("token").GetString()!));
        }

        AnsiConsole.MarkupLineInterpolated($"{Projects} projects, {AgentCount} agents, {People} people in {clock.Elapsed.TotalSeconds:N1} s");

        // Items: the big project's share, 200 in SMALL, the rest spread over the others; batches of 1,000, 4 in flight.
        var plan = new List<(string Project, int First, int Count)>();
        for (var n = 0; n < bigCount; n += 1000)
        {
            plan.Add(("BIG", n, Math.Min(1000, bigCount - n)));
        }

        var rest = size.Items - bigCount - 200;
        for (int n = 0, p = 2; n < rest; n += 1000, p = p == Projects - 1 ? 2 : p + 1)
        {
            plan.Add((projectIds[p].Key, bigCount + n, Math.Min(1000, rest - n)));
        }

        // The small project's items come last, after all the others: a list or board that walks the tenant in id
        // order to find them shows here.
        plan.Add(("SMALL", size.Items - 200, 200));

        var load = Stopwatch.StartNew();
        long created = 0;
        await ParallelAsync(plan, 4, async batch =>
        {
            await BatchAsync(owner, batch.Project, batch.First, batch.Count, agents, people.Select(p => p.Id).ToArray(), ct);
            var done = Interlocked.Add(ref created, batch.Count);
            if (done / 100_000 != (done - batch.Count) / 100_000)
            {
                AnsiConsole.MarkupLineInterpolated($"[grey]{done:N0} items ({done / load.Elapsed.TotalSeconds:N0}/s)[/]");
            }
        });
        AnsiConsole.MarkupLineInterpolated($"{created:N0} items through POST /api/v1/work/batch in {load.Elapsed.TotalSeconds:N1} s ({created / load.Elapsed.TotalSeconds:N0} items/s)");

        // Statuses as if the work had run: the batch endpoint creates backlog and ready items; the mix a tenant shows
        // after months of work is set in SQL, on items out of the ready set only.
        {
            var sql = new Direct(server.Store, tenantId);
            var mark = Stopwatch.StartNew();
            foreach (var (status, remainder) in new[] { ("done", "< 55"), ("in_progress", "BETWEEN 55 AND 59"), ("blocked", "BETWEEN 60 AND 62"), ("cancelled", "BETWEEN 63 AND 65"), ("failed", "BETWEEN 66 AND 67") })
            {
                await sql.ExecuteAsync($"UPDATE work_items SET status = '{status}' WHERE tenant_id = @t AND status = 'backlog' AND (number * 7919) % 100 {remainder}", ct);
            }

            await sql.AnalyzeAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"Status mix set in {mark.Elapsed.TotalSeconds:N1} s");
        }

        // Comments on one item in twenty, over HTTP.
        var comments = Stopwatch.StartNew();
        await ParallelAsync(Enumerable.Range(0, Math.Min(50_000, size.Items / 20)).ToList(), 8, async i =>
        {
            var (project, _, count) = plan[(i * 7) % plan.Count];
            var key = $"{project}-{1 + (i % count)}";
            await BenchServer.PostAsync(owner, $"api/v1/work/{key}/comments", new { body = $"Looked at this: see the report for {key}." }, ct);
        });
        AnsiConsole.MarkupLineInterpolated($"{Math.Min(50_000, size.Items / 20):N0} comments in {comments.Elapsed.TotalSeconds:N1} s");

        // Approvals waiting: gated items in P02 claimed and completed by an agent through the API.
        var agent = Client(server.Url, agentToken);
        var gated = Enumerable.Range(0, 300).Select(i => new { @ref = $"g{i}", project_id = "P02", title = $"Gated change {i}", status = "ready", approval_required = true, assignee = $"agent:{agents[0]}" }).ToList();
        await BenchServer.PostAsync(owner, "api/v1/work/batch", new { items = gated }, ct);
        for (var done = 0; done < 300;)
        {
            var claimed = (await BenchServer.PostAsync(agent, "api/v1/work/claim", new { project = "P02", max = 50 }, ct)).GetProperty("items");
            if (claimed.GetArrayLength() == 0)
            {
                break;
            }

            foreach (var item in claimed.EnumerateArray())
            {
                var run = item.GetProperty("run");
                await BenchServer.PostAsync(agent, $"api/v1/runs/{run.GetProperty("run_id").GetString()}/complete", new { lease_token = run.GetProperty("lease_token").GetString(), output = new { ok = true } }, ct);
                done++;
            }
        }

        // Runs to record LLM calls on: ready items claimed by the agents, 2,000 of them.
        var runs = new List<string>();
        for (var a = 1; a <= 10 && runs.Count < 2000; a++)
        {
            var token = (await BenchServer.PostAsync(owner, "api/v1/tokens", new { name = "bench", agent_id = agentIds[a] }, ct)).GetProperty("token").GetString()!;
            using var claimer = Client(server.Url, token);
            for (var claims = 0; claims < 4 && runs.Count < 2000; claims++)
            {
                var claimed = (await BenchServer.PostAsync(claimer, "api/v1/work/claim", new { max = 50 }, ct)).GetProperty("items");
                runs.AddRange(claimed.EnumerateArray().Select(i => i.GetProperty("run").GetProperty("run_id").GetString()!));
            }
        }

        var from = DateTime.UtcNow.Date.AddDays(-30);
        var calls = Stopwatch.StartNew();
        var chunks = Enumerable.Range(0, (size.Calls + 999) / 1000).ToList();
        long recorded = 0;
        if (runs.Count > 0)
        {
            await ParallelAsync(chunks, 4, async c =>
            {
                var count = Math.Min(1000, size.Calls - c * 1000);
                var run = runs[c % runs.Count];
                var body = Enumerable.Range(0, count).Select(i => new
                {
                    provider = "anthropic", model = Models[(c + i) % Models.Length], input_tokens = 2000 + (i * 37) % 5000, output_tokens = 100 + (i * 13) % 900,
                    called_at = from.AddSeconds(((long)c * 1000 + i) % (30L * 86_400)),
                }).ToList();
                var answer = await BenchServer.PostAsync(owner, $"api/v1/runs/{run}/llm-calls", body, ct);
                Interlocked.Add(ref recorded, answer.GetProperty("recorded").GetInt64());
            });
        }

        AnsiConsole.MarkupLineInterpolated($"{recorded:N0} LLM calls on {runs.Count:N0} runs through POST /api/v1/runs/{{id}}/llm-calls in {calls.Elapsed.TotalSeconds:N1} s ({recorded / Math.Max(0.001, calls.Elapsed.TotalSeconds):N0}/s)");

        var events = Stopwatch.StartNew();
        await ParallelAsync(Enumerable.Range(0, (size.Events + 9999) / 10_000).ToList(), 4, async b =>
        {
            var count = Math.Min(10_000, size.Events - b * 10_000);
            var text = new StringBuilder(count * 300);
            for (var i = 0; i < count; i++)
            {
                var n = (long)b * 10_000 + i;
                var at = from.AddMilliseconds(n * (30.0 * 86_400_000 / Math.Max(1, size.Events)));
                var session = n / 500 % 100_000;
                text.Append("{\"id\":\"ev-").Append(n).Append("\",\"timestamp\":\"").Append(at.ToString("O")).Append("\",\"type\":\"").Append(n % 3 == 0 ? "llm.call" : "tool.call")
                    .Append("\",\"agent\":\"").Append(agents[session % AgentCount]).Append("\",\"session\":\"s-").Append(session).Append("\",\"project\":\"").Append(projectIds[(int)(session % Projects)].Key)
                    .Append("\",\"metrics\":{\"input_tokens\":").Append(n % 4000).Append(",\"output_tokens\":").Append(n % 800).Append(",\"duration_ms\":").Append(n % 5000).Append("}}\n");
            }

            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text.ToString()));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = await owner.PostAsync("api/v1/events", content, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /api/v1/events: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        });
        AnsiConsole.MarkupLineInterpolated($"{size.Events:N0} events through POST /api/v1/events in {events.Elapsed.TotalSeconds:N1} s ({size.Events / Math.Max(0.001, events.Elapsed.TotalSeconds):N0}/s)");

        // Statistics as Bosun keeps them: SQLite's are gathered by Bosun at start and hourly (see storage.md), and this
        // load came after the start, so it runs what the hourly job runs; PostgreSQL's autovacuum is asked to catch up.
        await new Direct(server.Store, tenantId).AnalyzeAsync(ct);

        var parent = (await BenchServer.PostAsync(owner, "api/v1/work", new { project_id = "BIG", title = "Epic with ordered children" }, ct));
        await BenchServer.PostAsync(owner, "api/v1/work/batch", new { items = Enumerable.Range(0, 120).Select(i => new { @ref = $"c{i}", project_id = "BIG", title = $"Step {i}", parent_id = parent.GetProperty("id").GetString() }) }, ct);
        return new Seed("BIG", projectIds[0].Id, projectIds[1].Id, bigCount, parent.GetProperty("key").GetString()!, parent.GetProperty("id").GetString()!, agents, agent, agentIds[0],
            Client(server.Url, people[0].Token), people[0].Id, from);
    }

    /// One batch of items: a parent every 20 items with its next few as children, a dependency every 25, labels,
    /// assignees (agents, people, nobody), and a fifth of titles saying "report".
    private static async Task BatchAsync(HttpClient owner, string project, int first, int count, string[] agents, string[] people, CancellationToken ct)
    {
        var items = new List<Dictionary<string, object?>>(count);
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            var item = new Dictionary<string, object?>
            {
                ["ref"] = $"r{i}", ["project_id"] = project, ["status"] = n % 10 == 0 ? "ready" : "backlog",
                ["title"] = n % 5 == 0 ? $"Quarterly report section {n}" : $"Work item {n} with a title of a usual length",
                ["labels"] = new[] { Labels[n % Labels.Length], Labels[(n / 7) % Labels.Length] }.Distinct().ToArray(),
                ["priority"] = (n % 9) switch { 0 => "high", 1 => "low", _ => "normal" },
            };
            if (agents.Length > 0 && n % 3 == 0)
            {
                item["assignee"] = $"agent:{agents[n % agents.Length]}";
            }
            else if (people.Length > 0 && n % 10 == 1)
            {
                item["assignee"] = $"user:{people[n % people.Length]}";
            }

            if (i % 20 is > 0 and < 6)
            {
                item["parent_ref"] = $"r{i - i % 20}";
            }

            if (i % 25 == 24)
            {
                item["depends_on_refs"] = new[] { $"r{i - 1}" };
            }

            items.Add(item);
        }

        await BenchServer.PostAsync(owner, "api/v1/work/batch", new { items }, ct);
    }

    /// Walks a list to the wanted page (or its last), returning the page reached and the cursor that opens it.
    private static async Task<(int Page, string? Cursor)> CursorAtAsync(HttpClient client, string url, int wanted, CancellationToken ct)
    {
        string? cursor = null;
        var page = 1;
        while (page < wanted)
        {
            using var response = await client.GetAsync(url + (cursor is null ? "" : $"&cursor={cursor}"), ct);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var next = json.RootElement.GetProperty("next_cursor").GetString();
            if (next is null)
            {
                break;
            }

            cursor = next;
            page++;
        }

        return (page, cursor);
    }

    private static async Task<List<double>> TimeAsync(int requests, int clients, Func<Task> request)
    {
        for (var w = 0; w < Math.Min(10, requests); w++)
        {
            await request();
        }

        var times = new List<double>(requests);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                await request();
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (times)
                {
                    times.Add(ms);
                }
            }
        }));
        return times;
    }

    private static async Task ParallelAsync<T>(IReadOnlyList<T> work, int inFlight, Func<T, Task> each)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < work.Count)
            {
                await each(work[i]);
            }
        }));
    }

    private static HttpClient Client(string url, string token)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// A browser-like client signed in to the web UI as the tenant's owner.
    private static async Task<HttpClient> SignInAsync(BenchServer server, string slug, CancellationToken ct)
    {
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SignInService>().SetPasswordAsync(slug, $"owner@{slug}.test", Password, ct);
        }

        var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(server.Url + "/") };
        var form = FormToken().Match(await browser.GetStringAsync("signin", ct)).Groups[1].Value;
        using var signedIn = await browser.PostAsync("signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_csrf"] = form, ["tenant"] = slug, ["email"] = $"owner@{slug}.test", ["password"] = Password,
        }), ct);
        if (signedIn.StatusCode != HttpStatusCode.SeeOther)
        {
            throw new InvalidOperationException($"Sign-in to {slug} failed: {(int)signedIn.StatusCode}");
        }

        return browser;
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    /// VmHWM: the most memory the process held resident since it started.
    private static double PeakResidentMb()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(PeakKb().Match(line).Value) / 1024.0;
    }

    /// The same statements straight on the database: one connection per caller, parameters bound, every row read.
    private sealed class Direct(StoreOptions store, string tenantId)
    {
        private bool Postgres => store.Kind == StoreKind.Postgres;

        private DbConnection Connection() => Postgres ? new NpgsqlConnection(store.ConnectionString) : new SqliteConnection(store.ConnectionString);

        public async Task ReadAsync(string sql, (string Name, object Value)[] args, CancellationToken ct)
        {
            await using var connection = Connection();
            await connection.OpenAsync(ct);
            await using var command = Build(connection, sql, args);
            await using var reader = await command.ExecuteReaderAsync(ct);
            do
            {
                while (await reader.ReadAsync(ct))
                {
                }
            }
            while (await reader.NextResultAsync(ct));
        }

        public async Task<string> PlanAsync(string sql, (string Name, object Value)[] args, CancellationToken ct)
        {
            var plans = new StringBuilder();
            await using var connection = Connection();
            await connection.OpenAsync(ct);
            foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await using var command = Build(connection, (Postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + statement, args);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    plans.AppendLine(Postgres ? reader.GetString(0) : $"{reader.GetValue(reader.FieldCount - 1)}");
                }
            }

            return plans.ToString();
        }

        public async Task ExecuteAsync(string sql, CancellationToken ct)
        {
            await using var connection = Connection();
            await connection.OpenAsync(ct);
            await using var command = Build(connection, sql, []);
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync(ct);
        }

        public async Task AnalyzeAsync(CancellationToken ct)
        {
            if (Postgres)
            {
                await ExecuteAsync("VACUUM ANALYZE", ct);
            }
            else
            {
                await Bosun.Core.Data.Sqlite.SqliteStatistics.RefreshAsync(store.ConnectionString, ct);
            }
        }

        private DbCommand Build(DbConnection connection, string sql, (string Name, object Value)[] args)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            AddParameter(command, "t", tenantId);
            foreach (var (name, value) in args)
            {
                AddParameter(command, name, value);
            }

            return command;
        }

        private static void AddParameter(DbCommand command, string name, object value)
        {
            if (!command.CommandText.Contains('@' + name, StringComparison.Ordinal))
            {
                return;
            }

            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex(@"app;dur=([0-9.]+)")]
    private static partial Regex ServerTiming();

    [GeneratedRegex(@"\d+")]
    private static partial Regex PeakKb();
}
