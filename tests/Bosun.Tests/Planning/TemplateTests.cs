using System.Net;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Planning;

public sealed class TemplateTests
{
    private static object Newsletter(string name = "Newsletter") => new
    {
        name,
        kind = "newsletter",
        description = "One issue of the newsletter about {{topic}}",
        variables = new object[]
        {
            new { key = "topic", label = "Topic", type = "text", required = true },
            new { key = "audience", label = "Audience", type = "text", @default = "customers" },
            new { key = "keywords", label = "Keywords", type = "list" },
            new { key = "send_on", label = "Send on", type = "date" },
        },
        steps = new object[]
        {
            new
            {
                key = "draft", title = "Draft: {{topic}}", description = "Write about {{topic}} for {{audience}}; keywords {{keywords}}",
                assignee = "role:writer", priority = "high", input = new { topic = "{{topic}}", words = 800, tags = new[] { "{{audience}}" } },
            },
            new { key = "edit", title = "Edit: {{topic}}", type = "review", approval_required = true, after = new[] { "draft" } },
            new { key = "send", title = "Send {{topic}} on {{send_on}}", after = new[] { "edit", "draft" } },
        },
    };

    private static async Task<JsonElement> InstantiateAsync(TestTenant tenant, string templateId, object body) =>
        await tenant.Owner.PostJsonAsync($"/api/v1/templates/{templateId}/instantiate", body);

    private static Dictionary<string, JsonElement> ByStep(JsonElement created) =>
        created.GetProperty("steps").EnumerateArray().ToDictionary(s => s.Str("step_key"));

    private static IEnumerable<string> DependsOn(JsonElement item) => item.GetProperty("depends_on").EnumerateArray().Select(d => d.Str("id")).Order();

    [Theory, BothStores]
    public async Task A_template_makes_a_parent_and_one_child_per_step_waiting_as_after_says_with_the_values_filled_in(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB");
        var template = await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter());
        Assert.Equal("tenant", template.Str("scope"));
        Assert.Equal(1, template.GetProperty("version").GetInt32());
        Assert.Equal($"user:{acme.OwnerId}", template.Str("created_by"));

        var response = await acme.Owner.PostRawAsync($"/api/v1/templates/{template.Str("id")}/instantiate", JsonSerializer.Serialize(new
        {
            project = "WEB", variables = new { topic = "Spring pricing", keywords = new[] { "saas", "pricing" }, send_on = "2026-04-01" },
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadJsonAsync();

        var parent = created.GetProperty("parent");
        Assert.Equal($"/api/v1/work/{parent.Str("id")}", response.Headers.Location?.OriginalString);
        Assert.Equal("Newsletter", parent.Str("title"));
        Assert.Equal("One issue of the newsletter about Spring pricing", parent.Str("description"));
        Assert.Equal("newsletter", parent.Str("type"));
        Assert.Equal("in_progress", parent.Str("status"));
        Assert.True(parent.GetProperty("close_with_children").GetBoolean());
        Assert.Equal(project.Str("id"), parent.Str("project_id"));
        Assert.Equal(template.Str("id"), parent.Str("template_id"));
        Assert.Equal(1, parent.GetProperty("template_version").GetInt32());

        var steps = ByStep(created);
        Assert.Equal(["draft", "edit", "send"], created.GetProperty("steps").EnumerateArray().Select(s => s.Str("step_key")));
        Assert.All(steps.Values, s => Assert.Equal(parent.Str("id"), s.Str("parent_id")));
        Assert.All(steps.Values, s => Assert.Equal("ready", s.Str("status")));
        Assert.All(steps.Values, s => Assert.Equal(1, s.GetProperty("template_version").GetInt32()));
        Assert.Equal("Draft: Spring pricing", steps["draft"].Str("title"));
        Assert.Equal("Write about Spring pricing for customers; keywords saas, pricing", steps["draft"].Str("description"));
        Assert.Equal("role:writer", steps["draft"].Str("assignee"));
        Assert.Equal("high", steps["draft"].Str("priority"));
        Assert.Equal("task", steps["draft"].Str("type"));
        var input = steps["draft"].GetProperty("input");
        Assert.Equal("Spring pricing", input.Str("topic"));
        Assert.Equal(800, input.GetProperty("words").GetInt32());
        Assert.Equal("customers", input.GetProperty("tags")[0].GetString());
        Assert.Equal("review", steps["edit"].Str("type"));
        Assert.True(steps["edit"].GetProperty("approval_required").GetBoolean());
        Assert.Equal("Send Spring pricing on 2026-04-01", steps["send"].Str("title"));

        Assert.Empty(DependsOn(steps["draft"]));
        Assert.Equal([steps["draft"].Str("id")], DependsOn(steps["edit"]));
        Assert.Equal(new[] { steps["draft"].Str("id"), steps["edit"].Str("id") }.Order(), DependsOn(steps["send"]));

        Assert.Equal(["WEB-1", "WEB-2", "WEB-3", "WEB-4"], (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("key")));
        Assert.Equal(4, (await acme.Owner.ListAllAsync("/api/v1/audit?action=work_item.created")).Count);
        Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/audit?action=template.created&entity_id={template.Str("id")}"));
    }

    [Theory, BothStores]
    public async Task Placeholders_are_filled_in_as_plain_text_never_escaped_or_evaluated(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var template = await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter());
        const string topic = "<b>{{audience}}</b> & \"1+1\" ${env:HOME}";

        var created = await InstantiateAsync(acme, template.Str("id"), new { project = "WEB", variables = new { topic }, title = "Issue: {{topic}}" });

        Assert.Equal($"Issue: {topic}", created.GetProperty("parent").Str("title"));
        Assert.Equal($"Draft: {topic}", ByStep(created)["draft"].Str("title"));
        Assert.Equal(topic, ByStep(created)["draft"].GetProperty("input").Str("topic"));
        Assert.Equal("Send <b>{{audience}}</b> & \"1+1\" ${env:HOME} on", ByStep(created)["send"].Str("title"));
    }

    [Theory, BothStores]
    public async Task An_instantiate_with_a_missing_or_wrong_value_is_refused_naming_it_and_creates_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var id = (await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter())).Str("id");
        var url = $"/api/v1/templates/{id}/instantiate";

        var missing = await (await acme.Owner.PostRawAsync(url, """{"project":"WEB","variables":{"audience":"partners"}}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("is required (Topic)", missing.FieldErrors("variables.topic"));

        var cases = new (string Json, string Field)[]
        {
            ("""{"project":"WEB","variables":{"topic":"x","send_on":"next week"}}""", "variables.send_on"),
            ("""{"project":"WEB","variables":{"topic":"x","keywords":"not a list"}}""", "variables.keywords"),
            ("""{"project":"WEB","variables":{"topic":"x","tone":"warm"}}""", "variables.tone"),
            ("""{"variables":{"topic":"x"}}""", "project"),
            ("""{"project":"NOPE","variables":{"topic":"x"}}""", "project"),
            ("""{"project":"WEB","variables":{"topic":"x"},"parent":"WEB-99"}""", "parent"),
            ("""{"project":"WEB","variables":{"topic":"x"},"goal":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}""", "goal"),
            ("""{"project":"WEB","variables":{"topic":"x"},"deliverable_period":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}""", "deliverable_period"),
            ("""{"project":"WEB","variables":{"topic":"{{topic}}x"},"surprise":true}""", "surprise"),
        };
        foreach (var (json, field) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync(url, json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));
    }

    [Theory, BothStores]
    public async Task Steps_that_wait_in_a_circle_name_a_missing_step_or_use_an_unknown_placeholder_are_refused_naming_the_step(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var cyclic = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/templates", new
        {
            name = "Loop", kind = "loop",
            steps = new object[]
            {
                new { key = "plan", title = "Plan", after = new[] { "check" } },
                new { key = "build", title = "Build", after = new[] { "plan" } },
                new { key = "check", title = "Check", after = new[] { "build" } },
            },
        })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("makes a cycle: plan → check → build → plan", cyclic.FieldErrors("steps[0].after"));

        var dangling = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/templates", new
        {
            name = "Dangling", kind = "dangling",
            steps = new object[] { new { key = "ship", title = "Ship", after = new[] { "build" } } },
        })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("no step 'build' in this pipeline", dangling.FieldErrors("steps[0].after"));

        var undeclared = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/templates", new
        {
            name = "Undeclared", kind = "undeclared",
            variables = new object[] { new { key = "topic", type = "text" } },
            steps = new object[] { new { key = "write", title = "Write {{topic}} for {{audience}}" } },
        })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("uses {{audience}}, which is not a variable of the template", undeclared.FieldErrors("steps[0]"));

        var cases = new (string Json, string Field)[]
        {
            ("""{"kind":"x","steps":[{"key":"a","title":"A"}]}""", "name"),
            ("""{"name":"X","steps":[{"key":"a","title":"A"}]}""", "kind"),
            ("""{"name":"X","kind":"Blog Post","steps":[{"key":"a","title":"A"}]}""", "kind"),
            ($$"""{"name":"{{new string('n', 201)}}","kind":"x","steps":[{"key":"a","title":"A"}]}""", "name"),
            ("""{"name":"X","kind":"x"}""", "steps"),
            ("""{"name":"X","kind":"x","steps":[{"key":"a","title":"A"},{"key":"a","title":"B"}]}""", "steps[1].key"),
            ("""{"name":"X","kind":"x","steps":[{"key":" a","title":"A"}]}""", "steps[0].key"),
            ("""{"name":"X","kind":"x","steps":[{"key":"a"}]}""", "steps[0].title"),
            ("""{"name":"X","kind":"x","variables":[{"key":"n","type":"integer"}],"steps":[{"key":"a","title":"A"}]}""", "variables[0].type"),
            ("""{"name":"X","kind":"x","variables":[{"key":"n","type":"number","default":"many"}],"steps":[{"key":"a","title":"A"}]}""", "variables[0].default"),
        };
        foreach (var (json, field) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/templates", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        Assert.Equal(3, (await acme.Owner.ListAllAsync("/api/v1/templates")).Count);
        var template = await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter());
        var edit = await (await acme.Owner.SendJsonAsync(HttpMethod.Patch, $"/api/v1/templates/{template.Str("id")}", new
        {
            steps = new object[] { new { key = "draft", title = "Draft", after = new[] { "send" } }, new { key = "send", title = "Send", after = new[] { "draft" } } },
        })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(edit.FieldErrors("steps[0].after"));
        var dropped = await (await acme.Owner.SendJsonAsync(HttpMethod.Patch, $"/api/v1/templates/{template.Str("id")}", new
        {
            variables = new object[] { new { key = "audience", type = "text" } },
        })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(dropped.FieldErrors("steps[0]"));
        Assert.Equal([1], (await acme.Owner.GetJsonAsync($"/api/v1/templates/{template.Str("id")}")).GetProperty("versions").EnumerateArray().Select(v => v.GetInt32()));
    }

    [Theory, BothStores]
    public async Task Editing_steps_makes_the_next_version_and_items_already_made_keep_theirs(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var id = (await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter())).Str("id");
        var first = await InstantiateAsync(acme, id, new { project = "WEB", variables = new { topic = "March" } });

        var renamed = await acme.Owner.PatchJsonAsync($"/api/v1/templates/{id}", new { name = "Monthly letter" });
        Assert.Equal(1, renamed.GetProperty("version").GetInt32());
        var edited = await acme.Owner.PatchJsonAsync($"/api/v1/templates/{id}", new
        {
            steps = new object[]
            {
                new { key = "outline", title = "Outline: {{topic}}" },
                new { key = "draft", title = "Write: {{topic}}", after = new[] { "outline" } },
            },
        });
        Assert.Equal(2, edited.GetProperty("version").GetInt32());
        Assert.Equal(2, edited.GetProperty("current_version").GetInt32());
        Assert.Equal("Monthly letter", edited.Str("name"));
        Assert.Equal(4, edited.GetProperty("variables").GetArrayLength());
        Assert.Equal([1, 2], edited.GetProperty("versions").EnumerateArray().Select(v => v.GetInt32()));

        var old = await acme.Owner.GetJsonAsync($"/api/v1/templates/{id}/versions/1");
        Assert.Equal(["draft", "edit", "send"], old.GetProperty("steps").EnumerateArray().Select(s => s.Str("key")));
        Assert.Equal(2, old.GetProperty("current_version").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.GetAsync($"/api/v1/templates/{id}/versions/3")).StatusCode);

        foreach (var step in first.GetProperty("steps").EnumerateArray())
        {
            var item = await acme.Owner.GetJsonAsync($"/api/v1/work/{step.Str("id")}");
            Assert.Equal(1, item.GetProperty("template_version").GetInt32());
            Assert.Equal(step.Str("title"), item.Str("title"));
        }

        var second = await InstantiateAsync(acme, id, new { project = "WEB", variables = new { topic = "April" } });
        Assert.Equal("Monthly letter", second.GetProperty("parent").Str("title"));
        Assert.Equal(2, second.GetProperty("parent").GetProperty("template_version").GetInt32());
        Assert.Equal(["Outline: April", "Write: April"], second.GetProperty("steps").EnumerateArray().Select(s => s.Str("title")));

        var replaced = await (await acme.Owner.SendJsonAsync(HttpMethod.Put, $"/api/v1/templates/{id}", new
        {
            name = "Letter", kind = "newsletter", steps = new object[] { new { key = "send", title = "Send it" } },
        })).ReadSuccessAsync();
        Assert.Equal(3, replaced.GetProperty("version").GetInt32());
        Assert.Empty(replaced.GetProperty("variables").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, replaced.GetProperty("description").ValueKind);
        var incomplete = await (await acme.Owner.SendJsonAsync(HttpMethod.Put, $"/api/v1/templates/{id}", new { name = "Letter" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(incomplete.FieldErrors("kind"));
        Assert.NotEmpty(incomplete.FieldErrors("steps"));

        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={id}&action=template.updated");
        Assert.Equal(3, audit.Count);
        Assert.Contains(audit, a => a.GetProperty("changes").GetProperty("current_version").GetProperty("after").GetInt32() == 2);
    }

    [Theory, BothStores]
    public async Task Global_templates_are_listed_read_and_instantiated_by_every_tenant_and_changed_only_through_a_copy(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var own = await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter());

        var listed = await acme.Owner.ListAllAsync("/api/v1/templates");
        Assert.Equal(["global:brief_to_tickets", "global:content_pipeline", "global:card_build", own.Str("id")], listed.Select(t => t.Str("id")));
        Assert.Equal(["global", "global", "global", "tenant"], listed.Select(t => t.Str("scope")));
        Assert.Equal(["global:content_pipeline"], (await acme.Owner.ListAllAsync("/api/v1/templates?kind=blog_post")).Select(t => t.Str("id")));

        var global = await acme.Owner.GetJsonAsync("/api/v1/templates/global:content_pipeline");
        Assert.Equal(["research", "write", "review", "publish"], global.GetProperty("steps").EnumerateArray().Select(s => s.Str("key")));
        Assert.True(global.GetProperty("variables").EnumerateArray().Single(v => v.Str("key") == "topic").GetProperty("required").GetBoolean());
        var review = global.GetProperty("steps").EnumerateArray().Single(s => s.Str("key") == "review");
        Assert.True(review.GetProperty("approval_required").GetBoolean());
        Assert.Equal("role:reviewer", review.Str("assignee"));
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.GetAsync("/api/v1/templates/global:nothing")).StatusCode);

        var patch = await (await acme.Owner.SendJsonAsync(HttpMethod.Patch, "/api/v1/templates/global:content_pipeline", new { name = "Mine now" })).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("copy", patch.Str("detail"));
        await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/templates/global:content_pipeline/archive", null)).ProblemAsync(HttpStatusCode.Conflict);

        var copy = await acme.Owner.PostJsonAsync("/api/v1/templates/global:content_pipeline/copy", new { name = "Our blog post" });
        Assert.Equal("tenant", copy.Str("scope"));
        Assert.Equal("Our blog post", copy.Str("name"));
        Assert.Equal("blog_post", copy.Str("kind"));
        Assert.Equal("global:content_pipeline", copy.Str("source_template_id"));
        Assert.Equal(global.GetProperty("version").GetInt32(), copy.GetProperty("source_version").GetInt32());
        Assert.Equal(1, copy.GetProperty("version").GetInt32());
        Assert.Equal(global.GetProperty("steps").GetRawText(), copy.GetProperty("steps").GetRawText());

        var changed = await acme.Owner.PatchJsonAsync($"/api/v1/templates/{copy.Str("id")}", new
        {
            steps = new object[] { new { key = "write", title = "Write: {{topic}}" }, new { key = "publish", title = "Publish: {{topic}}", after = new[] { "write" } } },
        });
        Assert.Equal(2, changed.GetProperty("version").GetInt32());
        Assert.Equal(global.GetRawText(), (await acme.Owner.GetJsonAsync("/api/v1/templates/global:content_pipeline")).GetRawText());

        var globex = await app.CreateTenantAsync();
        Assert.DoesNotContain(await globex.Owner.ListAllAsync("/api/v1/templates"), t => t.Str("id") == copy.Str("id"));
        await globex.CreateProjectAsync("ADS");
        var made = await InstantiateAsync(globex, "global:content_pipeline", new { project = "ADS", variables = new { topic = "Launch week", keywords = new[] { "launch" } } });
        Assert.Equal("global:content_pipeline", made.GetProperty("parent").Str("template_id"));
        Assert.Equal("blog_post", made.GetProperty("parent").Str("type"));
        Assert.Equal(["Research: Launch week", "Write: Launch week", "Review: Launch week", "Publish: Launch week"],
            made.GetProperty("steps").EnumerateArray().Select(s => s.Str("title")));
        Assert.Contains("for our readers", ByStep(made)["research"].Str("description"));

        foreach (var key in new[] { "brief_to_tickets", "card_build" })
        {
            var required = (await globex.Owner.GetJsonAsync($"/api/v1/templates/global:{key}")).GetProperty("variables").EnumerateArray()
                .Where(v => v.GetProperty("required").GetBoolean()).ToDictionary(v => v.Str("key"), _ => (object)"Something");
            var pipeline = await InstantiateAsync(globex, $"global:{key}", new { project = "ADS", variables = required });
            Assert.All(pipeline.GetProperty("steps").EnumerateArray(), s => Assert.DoesNotContain("{{", s.Str("title")));
        }
    }

    [Theory, BothStores]
    public async Task A_retried_instantiate_with_the_same_idempotency_key_answers_the_same_and_creates_nothing_twice(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var id = (await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter())).Str("id");
        var url = $"/api/v1/templates/{id}/instantiate";
        const string body = """{"project":"WEB","variables":{"topic":"Retries"}}""";

        var first = await acme.Owner.PostRawAsync(url, body, "newsletter-retries");
        var retry = await acme.Owner.PostRawAsync(url, body, "newsletter-retries");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(4, (await acme.Owner.ListAllAsync("/api/v1/work")).Count);

        var reused = await acme.Owner.PostRawAsync(url, """{"project":"WEB","variables":{"topic":"Something else"}}""", "newsletter-retries");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        var another = await acme.Owner.PostRawAsync(url, body, "newsletter-retries-2");
        Assert.Equal(HttpStatusCode.Created, another.StatusCode);
        Assert.Equal(8, (await acme.Owner.ListAllAsync("/api/v1/work")).Count);
    }

    [Theory, BothStores]
    public async Task Another_tenants_template_is_not_found_whatever_is_asked_of_it(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var id = (await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter())).Str("id");
        var globex = await app.CreateTenantAsync();
        await globex.CreateProjectAsync("WEB");

        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/templates/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/templates/{id}/versions/1")).StatusCode);
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Patch, "", new { name = "Stolen" }),
                     (HttpMethod.Put, "", new { name = "Stolen", kind = "x", steps = new object[] { new { key = "a", title = "A" } } }),
                     (HttpMethod.Post, "/copy", new { }),
                     (HttpMethod.Post, "/instantiate", new { project = "WEB", variables = new { topic = "Theirs" } }),
                     (HttpMethod.Post, "/archive", null),
                     (HttpMethod.Post, "/restore", null),
                 })
        {
            await (await globex.Owner.SendJsonAsync(method, $"/api/v1/templates/{id}{path}", body)).ProblemAsync(HttpStatusCode.NotFound);
        }

        Assert.DoesNotContain(await globex.Owner.ListAllAsync("/api/v1/templates?archived=true"), t => t.Str("id") == id);
        Assert.Empty(await globex.Owner.ListAllAsync("/api/v1/work"));
        Assert.Equal("Newsletter", (await acme.Owner.GetJsonAsync($"/api/v1/templates/{id}")).Str("name"));
    }

    [Theory, BothStores]
    public async Task An_archived_template_leaves_the_list_and_cannot_be_instantiated_until_restored_and_both_are_audited(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var id = (await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter())).Str("id");
        await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter("Still in use"));

        var archived = await acme.Owner.PostJsonAsync($"/api/v1/templates/{id}/archive", new { });
        Assert.NotEqual(JsonValueKind.Null, archived.GetProperty("archived_at").ValueKind);
        Assert.DoesNotContain(await acme.Owner.ListAllAsync("/api/v1/templates"), t => t.Str("id") == id);
        Assert.Equal([id], (await acme.Owner.ListAllAsync("/api/v1/templates?archived=true")).Select(t => t.Str("id")));
        Assert.Equal([id], (await acme.Owner.ListAllAsync("/api/v1/templates?archived=true&kind=newsletter")).Select(t => t.Str("id")));
        Assert.Equal("Newsletter", (await acme.Owner.GetJsonAsync($"/api/v1/templates/{id}")).Str("name"));
        var refused = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, $"/api/v1/templates/{id}/instantiate", new { project = "WEB", variables = new { topic = "x" } }))
            .ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("restore", refused.Str("detail"));
        await (await acme.Owner.SendJsonAsync(HttpMethod.Patch, $"/api/v1/templates/{id}", new { name = "Renamed" })).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));

        var restored = await acme.Owner.PostJsonAsync($"/api/v1/templates/{id}/restore", new { });
        Assert.Equal(JsonValueKind.Null, restored.GetProperty("archived_at").ValueKind);
        Assert.Contains(await acme.Owner.ListAllAsync("/api/v1/templates"), t => t.Str("id") == id);
        await InstantiateAsync(acme, id, new { project = "WEB", variables = new { topic = "Back" } });

        var audit = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={id}")).Where(a => a.Str("action") is "template.archived" or "template.restored").ToList();
        Assert.Equal(["template.restored", "template.archived"], audit.Select(a => a.Str("action")));
        Assert.All(audit, a => Assert.Equal("Newsletter", a.GetProperty("changes").Str("name")));
        var changes = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={id}&action=template.updated"))
            .Select(a => a.GetProperty("changes").GetProperty("archived_at")).ToList();
        Assert.Equal([JsonValueKind.Null, JsonValueKind.String], changes.Select(c => c.GetProperty("after").ValueKind));
        Assert.All(audit, a => Assert.Equal($"user:{acme.OwnerId}", a.Str("actor")));
        await acme.Owner.PostJsonAsync($"/api/v1/templates/{id}/restore", new { });
        Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={id}&action=template.restored"));
    }

    [Theory, BothStores]
    public async Task The_list_pages_through_the_global_templates_and_then_the_tenants_own(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var ids = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            ids.Add((await acme.Owner.PostJsonAsync("/api/v1/templates", Newsletter($"Newsletter {i}"))).Str("id"));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await acme.Owner.GetJsonAsync($"/api/v1/templates?limit=2{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            Assert.True(page.GetProperty("items").GetArrayLength() <= 2);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.Str("id")));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(["global:brief_to_tickets", "global:content_pipeline", "global:card_build", .. ids], seen);
        Assert.Equal(3, pages);
        Assert.Equal(ids, (await acme.Owner.ListAllAsync("/api/v1/templates?kind=newsletter")).Select(t => t.Str("id")));
        await (await acme.Owner.GetAsync("/api/v1/templates?cursor=global:nothing")).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory, BothStores]
    public async Task The_content_pipeline_stops_at_its_review_gate_and_its_parent_is_done_with_the_last_step(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (_, reviewer, _) = await acme.CreateAgentAsync("checker", role: "reviewer");
        var created = await InstantiateAsync(acme, "global:content_pipeline", new { project = "WEB", variables = new { topic = "Pricing pages", due_date = "2026-05-01" } });
        var parent = created.GetProperty("parent").Str("id");
        var steps = ByStep(created);
        Assert.Equal("2026-05-01", steps["publish"].GetProperty("input").Str("publish_by"));

        var early = await acme.Owner.PostRawAsync($"/api/v1/work/{steps["write"].Str("id")}/start", "{}");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        await DoAsync(acme, steps["research"]);
        await DoAsync(acme, steps["write"]);
        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync($"/api/v1/work/{parent}")).Str("status"));

        var claim = (await reviewer.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(steps["review"].Str("id"), claim.GetProperty("item").Str("id"));
        var run = claim.GetProperty("run");
        var reviewed = await reviewer.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), summary = "Facts checked" });
        Assert.Equal("awaiting_approval", reviewed.GetProperty("item").Str("status"));
        Assert.Equal(HttpStatusCode.Conflict, (await acme.Owner.PostRawAsync($"/api/v1/work/{steps["publish"].Str("id")}/start", "{}")).StatusCode);
        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync($"/api/v1/work/{parent}")).Str("status"));

        await acme.Owner.PostJsonAsync($"/api/v1/approvals/{reviewed.Str("approval_id")}/approve", new { note = "Publish it" });
        Assert.Equal("done", (await acme.Owner.GetJsonAsync($"/api/v1/work/{steps["review"].Str("id")}")).Str("status"));
        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync($"/api/v1/work/{parent}")).Str("status"));

        await DoAsync(acme, steps["publish"]);
        var closed = await acme.Owner.GetJsonAsync($"/api/v1/work/{parent}");
        Assert.Equal("done", closed.Str("status"));
        Assert.NotEqual(JsonValueKind.Null, closed.GetProperty("completed_at").ValueKind);
    }

    [Theory, BothStores]
    public async Task A_pipeline_made_for_a_deliverable_period_fills_in_the_period_and_counts_toward_it_when_done(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB");
        var goal = await acme.CreateGoalAsync(new { title = "Ten posts a month", project_id = "WEB" });
        var period = await SeedPeriodAsync(app, acme, project.Str("id"), goal.Str("id"), "Blog posts", "2026-03");
        var id = (await acme.Owner.PostJsonAsync("/api/v1/templates", new
        {
            name = "Post", kind = "blog_post",
            variables = new object[] { new { key = "topic", type = "text", required = true } },
            steps = new object[]
            {
                new { key = "write", title = "{{deliverable}} {{period}} #{{index}}: {{topic}}" },
                new { key = "publish", title = "Publish {{topic}} (made {{date}})", after = new[] { "write" } },
            },
        })).Str("id");

        var first = await InstantiateAsync(acme, id, new { project = "WEB", deliverable_period = period, goal = goal.Str("id"), variables = new { topic = "Pricing" } });
        var second = await InstantiateAsync(acme, id, new { project = "WEB", deliverable_period = period, variables = new { topic = "Billing" } });

        Assert.Equal(period, first.GetProperty("parent").Str("deliverable_period_id"));
        Assert.Equal(goal.Str("id"), first.GetProperty("parent").Str("goal_id"));
        Assert.All(first.GetProperty("steps").EnumerateArray(), s => Assert.Equal(goal.Str("id"), s.Str("goal_id")));
        Assert.Equal("Blog posts 2026-03 #1: Pricing", ByStep(first)["write"].Str("title"));
        Assert.Equal("Blog posts 2026-03 #2: Billing", ByStep(second)["write"].Str("title"));
        Assert.Matches(@"^Publish Pricing \(made \d{4}-\d{2}-\d{2}\)$", ByStep(first)["publish"].Str("title"));

        await DoAsync(acme, ByStep(first)["write"]);
        Assert.Equal(0, await CompletedAsync(app, period));
        await DoAsync(acme, ByStep(first)["publish"]);
        Assert.Equal("done", (await acme.Owner.GetJsonAsync($"/api/v1/work/{first.GetProperty("parent").Str("id")}")).Str("status"));
        Assert.Equal(1, await CompletedAsync(app, period));
    }

    /// A deliverable with one period, as the deliverables service would keep it.
    private static async Task<string> SeedPeriodAsync(BosunTestApp app, TestTenant tenant, string projectId, string goalId, string name, string month)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenant.Id, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var deliverable = new Deliverable { GoalId = goalId, ProjectId = projectId, Name = name, Type = "blog_post", QuantityPerPeriod = 10 };
        var start = DateTime.ParseExact(month, "yyyy-MM", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        var period = new DeliverablePeriod { DeliverableId = deliverable.Id, Period = month, StartsAt = start, EndsAt = start.AddMonths(1), TargetCount = 10 };
        await db.InTransactionAsync(async ct =>
        {
            db.Deliverables.Add(deliverable);
            db.DeliverablePeriods.Add(period);
            await db.SaveChangesAsync(ct);
        }, write: true, CancellationToken.None);
        return period.Id;
    }

    private static Task<int> CompletedAsync(BosunTestApp app, string periodId) =>
        app.WithDbAsync(db => db.DeliverablePeriods.IgnoreQueryFilters().Where(p => p.Id == periodId).Select(p => p.CompletedCount).SingleAsync());

    private static async Task DoAsync(TestTenant tenant, JsonElement step)
    {
        var started = await tenant.Owner.PostJsonAsync($"/api/v1/work/{step.Str("id")}/start", new { });
        var done = await tenant.Owner.PostJsonAsync($"/api/v1/runs/{started.GetProperty("run").Str("run_id")}/complete", new { summary = "Done" });
        Assert.Equal("done", done.GetProperty("item").Str("status"));
    }
}
