using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class BatchCreateTests
{
    [Theory, BothStores]
    public async Task A_batch_creates_parents_children_and_dependencies_named_by_ref_with_one_audit_row_each(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var existing = await acme.CreateWorkAsync("WEB", "Already there");

        var answer = await acme.Owner.PostJsonAsync("/api/v1/work/batch", new
        {
            items = new object[]
            {
                new { @ref = "child", parent_ref = "epic", project_id = "WEB", title = "Child", depends_on_refs = new[] { "other" } },
                new { @ref = "epic", project_id = "WEB", title = "Epic", status = "ready", depends_on = new[] { existing.Str("key") } },
                new { @ref = "other", project_id = "WEB", title = "Other", labels = new[] { "Infra" } },
            },
        });

        var created = answer.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["child", "epic", "other"], created.Select(c => c.Str("ref")));
        var (child, epic, other) = (created[0].GetProperty("item"), created[1].GetProperty("item"), created[2].GetProperty("item"));
        Assert.Equal(["WEB-2", "WEB-3", "WEB-4"], new[] { child, epic, other }.Select(i => i.Str("key")));
        Assert.Equal(epic.Str("id"), (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2")).Str("parent_id"));
        Assert.Equal([other.Str("id")], (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2")).GetProperty("depends_on").EnumerateArray().Select(d => d.Str("id")));
        Assert.Equal([existing.Str("id")], (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-3")).GetProperty("depends_on").EnumerateArray().Select(d => d.Str("id")));
        Assert.Equal("ready", epic.Str("status"));
        Assert.Equal(["infra"], other.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        foreach (var item in new[] { child, epic, other })
        {
            var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={item.Str("id")}");
            Assert.Single(audit, a => a.Str("action") == "work_item.created");
        }

        Assert.Equal("WEB-5", (await acme.CreateWorkAsync("WEB", "After the batch")).Str("key"));
    }

    [Theory, BothStores]
    public async Task A_bad_item_fails_the_whole_batch_naming_its_index_and_nothing_is_stored(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var items = Enumerable.Range(0, 5).Select(i => (object)new { @ref = $"r{i}", project_id = "WEB", title = i == 3 ? "" : $"Item {i}" }).ToList();

        var problem = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/work/batch", new { items })).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.NotEmpty(problem.FieldErrors("items[3].title"));
        Assert.Single(problem.GetProperty("errors").EnumerateObject());
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));
        Assert.Equal("WEB-1", (await acme.CreateWorkAsync("WEB", "First after the refusal")).Str("key"));
    }

    [Theory, BothStores]
    public async Task Unknown_and_duplicate_refs_cycles_and_oversized_batches_are_refused_naming_the_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        async Task<JsonElement> RefusedAsync(object body) =>
            await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/work/batch", body)).ProblemAsync(HttpStatusCode.BadRequest);

        var cycle = await RefusedAsync(new
        {
            items = new object[]
            {
                new { @ref = "a", project_id = "WEB", title = "A", depends_on_refs = new[] { "b" } },
                new { @ref = "b", project_id = "WEB", title = "B", depends_on_refs = new[] { "a" } },
            },
        });
        Assert.Contains(cycle.GetProperty("errors").EnumerateObject(), e => e.Name.EndsWith(".depends_on_refs", StringComparison.Ordinal));
        var parentCycle = await RefusedAsync(new
        {
            items = new object[]
            {
                new { @ref = "a", parent_ref = "b", project_id = "WEB", title = "A" },
                new { @ref = "b", parent_ref = "a", project_id = "WEB", title = "B" },
            },
        });
        Assert.Contains(parentCycle.GetProperty("errors").EnumerateObject(), e => e.Name.EndsWith(".parent_ref", StringComparison.Ordinal));
        var unknown = await RefusedAsync(new { items = new object[] { new { @ref = "a", parent_ref = "nope", project_id = "WEB", title = "A" } } });
        Assert.NotEmpty(unknown.FieldErrors("items[0].parent_ref"));
        var duplicate = await RefusedAsync(new { items = new object[] { new { @ref = "a", project_id = "WEB", title = "A" }, new { @ref = "a", project_id = "WEB", title = "B" } } });
        Assert.NotEmpty(duplicate.FieldErrors("items[1].ref"));
        var tooMany = await RefusedAsync(new { items = Enumerable.Range(0, 1001).Select(i => new { project_id = "WEB", title = $"T{i}" }) });
        Assert.NotEmpty(tooMany.FieldErrors("items"));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));
    }

    [Theory, BothStores]
    public async Task A_replayed_batch_with_the_same_idempotency_key_creates_nothing_new(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var body = new { items = new object[] { new { @ref = "a", project_id = "WEB", title = "A" }, new { @ref = "b", project_id = "WEB", title = "B", parent_ref = "a" } } };

        var first = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/work/batch", body, "import-1")).ReadSuccessAsync();
        var again = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/work/batch", body, "import-1")).ReadSuccessAsync();

        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(2, (await acme.Owner.ListAllAsync("/api/v1/work")).Count);
    }

    [Theory, BothStores]
    public async Task A_batch_cannot_reference_another_tenants_items(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var victim = await app.CreateTenantAsync();
        await victim.CreateProjectAsync("SEC");
        var secret = await victim.CreateWorkAsync("SEC", "Theirs");
        var attacker = await app.CreateTenantAsync();
        await attacker.CreateProjectAsync("WEB");

        var problem = await (await attacker.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/work/batch", new
        {
            items = new object[]
            {
                new { project_id = "WEB", title = "A", parent_id = secret.Str("id") },
                new { project_id = "WEB", title = "B", depends_on = new[] { secret.Str("id") } },
                new { project_id = "SEC", title = "C" },
            },
        })).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.NotEmpty(problem.FieldErrors("items[0].parent_id"));
        Assert.NotEmpty(problem.FieldErrors("items[1].depends_on"));
        Assert.NotEmpty(problem.FieldErrors("items[2].project_id"));
        Assert.Empty(await attacker.Owner.ListAllAsync("/api/v1/work"));
        Assert.Single(await victim.Owner.ListAllAsync("/api/v1/work"));
    }

    [Theory, BothStores]
    public async Task An_agent_batches_only_sub_items_of_the_item_it_holds(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var held = await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        await coder.PostJsonAsync("/api/v1/work/claim", new { });

        var loose = await (await coder.SendJsonAsync(HttpMethod.Post, "/api/v1/work/batch", new
        {
            items = new object[] { new { @ref = "a", project_id = "WEB", title = "Split", parent_id = held.Str("key") }, new { project_id = "WEB", title = "Loose" } },
        })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(loose.FieldErrors("items[1].parent_id"));

        var answer = await coder.PostJsonAsync("/api/v1/work/batch", new
        {
            items = new object[] { new { @ref = "a", project_id = "WEB", title = "Split", parent_id = held.Str("key") }, new { project_id = "WEB", title = "Deeper", parent_ref = "a" } },
        });
        Assert.Equal(2, answer.GetProperty("items").GetArrayLength());
    }

    [Theory, BothStores]
    public async Task Cli_import_creates_a_jsonl_file_and_names_the_line_of_a_bad_item(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var good = Path.GetTempFileName();
        await File.WriteAllLinesAsync(good, [
            """{"ref":"epic","title":"Epic"}""",
            "",
            """{"ref":"child","title":"Child","parent_ref":"epic"}""",
            """{"title":"Other","depends_on_refs":["child"]}""",
        ]);
        var bad = Path.GetTempFileName();
        await File.WriteAllLinesAsync(bad, ["""{"title":"Fine"}""", """{"title":"Fine too"}""", """{"title":""}"""]);

        var imported = await cli.OkAsync("work", "import", good, "--project", "WEB", "--batch", "2", "--json");
        var refused = await cli.RunAsync("work", "import", bad, "--project", "WEB");

        Assert.Equal(3, imported.Json().GetProperty("created").GetInt32());
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("line 3: title", refused.Error);
        var work = await acme.Owner.ListAllAsync("/api/v1/work");
        Assert.Equal(["Epic", "Child", "Other"], work.Select(w => w.Str("title")));
        Assert.Equal(work[0].Str("id"), work[1].Str("parent_id"));
    }
}
