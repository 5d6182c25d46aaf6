using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Governance.Access;
using Bosun.Core.Identity;
using Spectre.Console;
using Capabilities = Bosun.Core.Governance.Access.Capabilities;

namespace Bosun.Cli.Bench;

/// `bosun bench permissions`: decisions of the evaluator over a tenant with many roles and policies, against the fixed
/// role check Bosun had before, in the same run; then the API's claim → complete cycle with and without policies.
public static class PermissionsBench
{
    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var policies = new Option<int>("--policies") { Description = "Policies in the tenant for the decision phase", DefaultValueFactory = _ => 1000 };
        var roles = new Option<int>("--roles") { Description = "Roles of the tenant's own", DefaultValueFactory = _ => 100 };
        var decisions = new Option<int>("--decisions") { Description = "Decisions measured", DefaultValueFactory = _ => 1_000_000 };
        var cyclePolicies = new Option<int>("--cycle-policies") { Description = "Policies in the tenant for the claim-cycle phases", DefaultValueFactory = _ => 100 };
        var items = new Option<int>("--items") { Description = "Work items per claim-cycle phase", DefaultValueFactory = _ => 2000 };
        var agents = new Option<int>("--agents") { Description = "Concurrent agents in the claim-cycle phases", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of the two claim-cycle phases, alternating", DefaultValueFactory = _ => 3 };
        var command = new Command("permissions", "Per-decision cost of roles and policies, and the claim cycle with and without policies")
        {
            store, policies, roles, decisions, cyclePolicies, items, agents, rounds,
        };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(decisions) is < 1000 or > 100_000_000 || result.GetValue(policies) is < 0 or > 5000 || result.GetValue(roles) is < 0 or > 1000
                || result.GetValue(rounds) is < 1 or > 20 || result.GetValue(items) is < 10 || result.GetValue(agents) is < 1 or > 64
                || result.GetValue(cyclePolicies) is < 0 or > 5000)
            {
                AnsiConsole.MarkupLine("[red]--decisions 1000..100000000, --policies 0..5000, --roles 0..1000, --rounds 1..20, --items >= 10, --agents 1..64[/]");
                return 2;
            }

            Decisions(result.GetValue(policies), result.GetValue(roles), result.GetValue(decisions));
            return await BenchServer.RunToEndAsync(() => CyclesAsync(result.GetValue(store)!, result.GetValue(cyclePolicies), result.GetValue(items),
                result.GetValue(agents), result.GetValue(rounds), ct), ct);
        });
        return command;
    }

    private static readonly string[] Departments = ["engineering", "sales", "design", "support", "finance"];
    private static readonly string[] Statuses = ["backlog", "ready", "in_progress", "blocked", "done"];
    private static readonly string[] Types = ["task", "review", "bug", "ticket"];
    private static readonly string[] Labels = ["ui", "api", "infra", "urgent", "client"];

    private static void Decisions(int policyCount, int roleCount, int count)
    {
        var random = new Random(25);
        var projects = Enumerable.Range(0, 50).Select(_ => Ids.New()).ToArray();
        var capabilities = Capabilities.All.Select(e => e.Capability).ToArray();
        var roles = new Dictionary<string, (string Name, bool[] Grants)>();
        for (var i = 0; i < roleCount; i++)
        {
            var names = Enumerable.Range(0, random.Next(2, 8)).Select(_ => Capabilities.All[random.Next(Capabilities.All.Count)].Name).ToList();
            roles[$"role-{i}"] = ($"Role {i}", PolicySet.Table(names));
        }

        var compiled = new List<CompiledPolicy>();
        var keys = projects.Select((id, i) => (Key: $"P{i}", Id: id)).ToDictionary(p => p.Key, p => p.Id);
        for (var i = 0; i < policyCount; i++)
        {
            var actions = random.Next(5) == 0 ? ["work:*"] : Enumerable.Range(0, random.Next(1, 3)).Select(_ => Capabilities.All[random.Next(Capabilities.All.Count)].Name).ToArray();
            string[] patterns = random.Next(4) switch
            {
                0 => ["*"],
                1 => ["work:*"],
                2 => [$"work:type={Types[random.Next(Types.Length)]}"],
                _ => [$"project:P{random.Next(projects.Length)}"],
            };
            var conditions = new Dictionary<string, object>();
            for (var c = random.Next(1, 4); c > 0; c--)
            {
                switch (random.Next(5))
                {
                    case 0: conditions["principal.department"] = new Dictionary<string, object> { ["$eq"] = Departments[random.Next(Departments.Length)] }; break;
                    case 1: conditions["resource.status"] = new Dictionary<string, object> { ["$in"] = Statuses.OrderBy(_ => random.Next()).Take(2).ToArray() }; break;
                    case 2: conditions["principal.level"] = new Dictionary<string, object> { ["$gte"] = random.Next(1, 6) }; break;
                    case 3: conditions["context.hour"] = new Dictionary<string, object> { ["$lt"] = random.Next(6, 20) }; break;
                    default: conditions["resource.labels"] = new Dictionary<string, object> { ["$nin"] = Labels.OrderBy(_ => random.Next()).Take(2).ToArray() }; break;
                }
            }

            var problem = new ValidationProblem();
            using var json = JsonDocument.Parse(JsonSerializer.Serialize(conditions));
            compiled.Add(PolicyRules.Compile(Ids.New(), $"policy {i}", random.Next(10) == 0 ? PolicyEffect.Deny : PolicyEffect.Allow, random.Next(100),
                actions, patterns, json.RootElement, keys, problem)!);
            problem.ThrowIfAny();
        }

        var set = new PolicySet(Ids.New(), roles, compiled, DateTime.UtcNow);
        var now = DateTime.UtcNow;
        var principals = Enumerable.Range(0, 200).Select(i =>
        {
            var person = i % 4 != 0;
            var personRole = (PersonRole)random.Next(4);
            var grants = new List<Grant>();
            for (var g = random.Next(0, 3); g > 0 && roleCount > 0; g--)
            {
                grants.Add(new Grant($"role-{random.Next(roleCount)}", random.Next(2) == 0 ? projects[random.Next(projects.Length)] : null, null,
                    random.Next(3) == 0 ? now.AddHours(1) : null));
            }

            var attributes = new AttributeBag(new Dictionary<string, object?> { ["department"] = Departments[random.Next(Departments.Length)], ["level"] = (double)random.Next(1, 6) });
            var actor = new Actor(person ? ActorType.Person : ActorType.Agent, Ids.New(), $"p{i}");
            return (Scope: AccessLoader.Build(actor, person ? personRole : null, person ? null : "backend", grants, attributes, set, now, person ? "10.0.0.7" : null, null),
                Role: personRole, Person: person);
        }).ToArray();
        var resources = Enumerable.Range(0, 1000).Select(_ => new AccessResource("work", Ids.New(), projects[random.Next(projects.Length)],
            new Dictionary<string, object?>
            {
                ["status"] = Statuses[random.Next(Statuses.Length)], ["type"] = Types[random.Next(Types.Length)],
                ["labels"] = Labels.OrderBy(_ => random.Next()).Take(random.Next(0, 3)).ToArray(),
            })).ToArray();
        var picks = Enumerable.Range(0, count).Select(_ => (random.Next(principals.Length), capabilities[random.Next(capabilities.Length)], random.Next(resources.Length))).ToArray();

        AnsiConsole.MarkupLineInterpolated($"Decisions: {policyCount} policies, {roleCount} roles of the tenant's own, {principals.Length} principals, {resources.Length} resources, {count:N0} decisions");
        var table = new Table().AddColumns("check", "decisions/s", "p50 µs", "p99 µs", "p99.9 µs", "allowed");
        // Each check runs twice and the second run is kept: by then tiered compilation has finished with the code.
        Measure("warm-up", p => FixedRole(principals[p.Item1].Person, principals[p.Item1].Role, p.Item2));
        Measure("warm-up", p => Evaluator.Decide(principals[p.Item1].Scope, p.Item2, resources[p.Item3], log: false).Allowed);
        var fixedRole = Measure("fixed roles (before: a switch on the role)", p => FixedRole(principals[p.Item1].Person, principals[p.Item1].Role, p.Item2));
        var full = Measure("evaluator, decision with reasons (what requests run)", p => Evaluator.Decide(principals[p.Item1].Scope, p.Item2, resources[p.Item3], log: false).Allowed);
        foreach (var row in new[] { fixedRole, full })
        {
            table.AddRow(row.Name, $"{row.PerSecond:N0}", $"{row.P50:F3}", $"{row.P99:F3}", $"{row.P999:F3}", $"{row.Allowed:P1}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"ratio p99, evaluator with reasons / fixed roles: {full.P99 / Math.Max(fixedRole.P99, 0.001):F1}x; goal p99 < 20 µs: [bold]{(full.P99 < 20 ? "met" : "not met")}[/] ({full.P99:F3} µs)");

        (string Name, double PerSecond, double P50, double P99, double P999, double Allowed) Measure(string name, Func<(int, Capability, int), bool> decide)
        {
            for (var i = 0; i < Math.Min(picks.Length, 50_000); i++)
            {
                decide(picks[i]); // warm up
            }

            var timings = new double[picks.Length];
            var allowed = 0;
            var tick = 1_000_000.0 / Stopwatch.Frequency;
            var total = Stopwatch.StartNew();
            for (var i = 0; i < picks.Length; i++)
            {
                var started = Stopwatch.GetTimestamp();
                if (decide(picks[i]))
                {
                    allowed++;
                }

                timings[i] = (Stopwatch.GetTimestamp() - started) * tick;
            }

            total.Stop();
            Array.Sort(timings);
            return (name, picks.Length / total.Elapsed.TotalSeconds, BenchServer.Percentile(timings, 0.5), BenchServer.Percentile(timings, 0.99),
                BenchServer.Percentile(timings, 0.999), (double)allowed / picks.Length);
        }
    }

    /// The check Bosun made before roles and policies: a switch on the kind of principal and the person's role.
    private static bool FixedRole(bool person, PersonRole role, Capability capability)
    {
        var entry = Capabilities.Of(capability);
        if (!person)
        {
            return entry.Agent;
        }

        return role switch
        {
            PersonRole.Owner or PersonRole.Admin => true,
            PersonRole.Member => entry.Member,
            PersonRole.Reviewer => entry.Reviewer,
            _ => false,
        };
    }

    private static async Task CyclesAsync(string storeName, int policyCount, int items, int agentCount, int rounds, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(storeName);
        var (_, owner) = await server.CreateTenantAsync("bench");
        AnsiConsole.MarkupLineInterpolated($"Claim cycles: store [bold]{server.Store.Describe()}[/], {agentCount} agents, {items} items per phase, {policyCount} policies vs none");
        var agents = new List<HttpClient>();
        for (var i = 0; i < agentCount; i++)
        {
            var agent = await BenchServer.PostAsync(owner, "api/v1/agents", new { name = $"bench-{i}", role = "bench", max_concurrent_runs = 100 }, ct);
            var token = await BenchServer.PostAsync(owner, "api/v1/tokens", new { name = "bench", agent_id = agent.GetProperty("id").GetString() }, ct);
            var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2 }) { BaseAddress = new Uri(server.Url + "/") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
            agents.Add(client);
        }

        var results = new List<(string Phase, double PerSecond, double P50, double P99)>();
        var phase = 0;
        // The server is warmed with as many cycles as two phases hold, and each round runs its two phases in the other
        // order from the round before (A B, B A, ...), so what is still warming up is charged to both alike.
        await RunAsync("warm-up", items);
        await RunAsync("warm-up", items);
        results.Clear();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var withPolicies in round % 2 == 1 ? new[] { false, true } : [true, false])
            {
                if (!withPolicies)
                {
                    await RunAsync("no policies", items);
                    continue;
                }

                var ids = new List<string>();
                for (var i = 0; i < policyCount; i++)
                {
                    // Policies over the actions the cycle checks, none of which match, so every one is evaluated.
                    var created = await BenchServer.PostAsync(owner, "api/v1/policies", new
                    {
                        name = $"bench {round}-{i}", effect = i % 10 == 0 ? "deny" : "allow", actions = new[] { "work:*" },
                        resources = new[] { i % 2 == 0 ? "work:*" : "work:type=review" },
                        conditions = new Dictionary<string, object> { ["principal.department"] = new Dictionary<string, object> { ["$eq"] = $"nobody-{i}" } },
                        priority = i,
                    }, ct);
                    ids.Add(created.GetProperty("id").GetString()!);
                }

                await RunAsync($"{policyCount} policies", items);
                foreach (var id in ids)
                {
                    (await owner.DeleteAsync($"api/v1/policies/{id}", ct)).EnsureSuccessStatusCode();
                }
            }
        }

        var table = new Table().AddColumns("phase", "cycles/s", "cycle p50 ms", "cycle p99 ms");
        foreach (var row in results)
        {
            table.AddRow(row.Phase, $"{row.PerSecond:F0}", $"{row.P50:F2}", $"{row.P99:F2}");
        }

        AnsiConsole.Write(table);
        var none = Median(results.Where(r => r.Phase == "no policies").Select(r => r.PerSecond));
        var with = Median(results.Where(r => r.Phase != "no policies").Select(r => r.PerSecond));
        var slower = 1 - (with / none);
        AnsiConsole.MarkupLineInterpolated($"median cycles/s: {none:F0} without policies, {with:F0} with {policyCount}; ratio {with / none:F3} ({slower:P1} slower); goal at most 5 % slower: [bold]{(slower <= 0.05 ? "met" : "not met")}[/]");

        async Task RunAsync(string name, int count)
        {
            var key = $"C{++phase}";
            await BenchServer.PostAsync(owner, "api/v1/projects", new { key, name = $"{name} {phase}" }, ct);
            for (var done = 0; done < count; done += 500)
            {
                var batch = Enumerable.Range(done, Math.Min(500, count - done)).Select(i => new { @ref = $"i{i}", project_id = key, title = $"item {i}", status = "ready" }).ToArray();
                await BenchServer.PostAsync(owner, "api/v1/work/batch", new { items = batch }, ct);
            }

            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            var clock = Stopwatch.StartNew();
            var completed = 0;
            await Task.WhenAll(agents.Select(async agent =>
            {
                while (true)
                {
                    var started = Stopwatch.GetTimestamp();
                    var claimed = (await BenchServer.PostAsync(agent, "api/v1/work/claim", new { max = 1 }, ct)).GetProperty("items");
                    if (claimed.GetArrayLength() == 0)
                    {
                        return;
                    }

                    var run = claimed[0].GetProperty("run");
                    await BenchServer.PostAsync(agent, $"api/v1/runs/{run.GetProperty("run_id").GetString()}/complete",
                        new { lease_token = run.GetProperty("lease_token").GetString(), summary = "done" }, ct);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref completed);
                }
            }));
            clock.Stop();
            var sorted = latencies.Order().ToList();
            results.Add((name, completed / clock.Elapsed.TotalSeconds, BenchServer.Percentile(sorted, 0.5), BenchServer.Percentile(sorted, 0.99)));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
