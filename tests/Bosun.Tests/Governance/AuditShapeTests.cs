using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Governance;

/// A completion is saved through EF when the item has an approval gate and with plain SQL when it has none; readers of
/// the audit trail see the same row either way.
public sealed class AuditShapeTests
{
    [Theory, BothStores]
    public async Task A_gated_and_a_plain_completion_write_audit_rows_of_the_same_shape(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var gated = await acme.CreateWorkAsync("WEB", "Gated", new { status = "ready", approval_required = true });
        var plain = await acme.CreateWorkAsync("WEB", "Plain", new { status = "ready" });
        var (agent, client, _) = await acme.CreateAgentAsync("worker", extra: new { max_concurrent_runs = 2 });
        var claimed = (await client.PostJsonAsync("/api/v1/work/claim", new { max = 2 })).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, claimed.Count);
        foreach (var work in claimed)
        {
            var run = work.GetProperty("run");
            await client.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new
            {
                lease_token = run.Str("lease_token"), output = new { page = "/pricing" }, summary = "Done", artifacts = new { commits = new[] { "abc123" } },
            });
        }

        string RunOf(JsonElement item) => claimed.Single(c => c.GetProperty("item").Str("id") == item.Str("id")).GetProperty("run").Str("run_id");
        async Task<JsonElement> UpdatedAsync(string type, string id) =>
            (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type={type}&entity_id={id}&action={type}.updated")).Single();

        var gatedRun = await UpdatedAsync("run", RunOf(gated));
        var plainRun = await UpdatedAsync("run", RunOf(plain));
        var gatedItem = await UpdatedAsync("work_item", gated.Str("id"));
        var plainItem = await UpdatedAsync("work_item", plain.Str("id"));

        Assert.Equal("awaiting_approval", gatedItem.GetProperty("changes").GetProperty("status").Str("after"));
        Assert.Equal("done", plainItem.GetProperty("changes").GetProperty("status").Str("after"));
        foreach (var row in new[] { gatedRun, plainRun, gatedItem, plainItem })
        {
            Assert.Equal($"agent:{agent.Str("id")}", row.Str("actor"));
            Assert.Equal("worker", row.Str("actor_name"));
            Assert.False(string.IsNullOrEmpty(row.Str("request_id")));
        }

        Assert.Equal(RunOf(gated), gatedRun.Str("entity_id"));
        Assert.Equal(RunOf(plain), plainRun.Str("entity_id"));
        Assert.Equal(gated.Str("id"), gatedItem.Str("entity_id"));
        Assert.Equal(plain.Str("id"), plainItem.Str("entity_id"));

        // The run changes the same columns either way; the item only becomes complete without a gate.
        Assert.Equal(["artifacts_json", "ended_at", "output_json", "status", "summary"], Keys(gatedRun));
        Assert.Equal(Keys(gatedRun), Keys(plainRun));
        Assert.Equal(["active_run_id", "output_json", "status"], Keys(gatedItem));
        Assert.Equal(["active_run_id", "completed_at", "output_json", "status"], Keys(plainItem));
        AssertSameShape(gatedRun, plainRun);
        AssertSameShape(gatedItem, plainItem);
    }

    private static List<string> Keys(JsonElement row) => row.GetProperty("changes").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    /// Each column both rows name has the same before/after keys holding values of the same JSON kinds.
    private static void AssertSameShape(JsonElement gated, JsonElement plain)
    {
        var plainChanges = plain.GetProperty("changes");
        foreach (var column in gated.GetProperty("changes").EnumerateObject())
        {
            var other = plainChanges.GetProperty(column.Name);
            Assert.Equal(
                column.Value.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind)).ToList(),
                other.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind)).ToList());
        }

        Assert.Equal(gated.Str("entity_type"), plain.Str("entity_type"));
    }
}
