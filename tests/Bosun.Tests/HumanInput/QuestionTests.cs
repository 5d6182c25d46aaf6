using System.Net;
using System.Text.Json;
using Bosun.Core.HumanInput;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.HumanInput;

/// Agents ask people, people answer with forms: a blocking question parks the run without using an attempt, the answer
/// brings the item back with the question, the answer and the checkpoint; forms refuse what does not fit, keep the first
/// answer for a key, take one answer when one-shot, and an unanswered question expires to its default.
public sealed class QuestionTests
{
    private static readonly string[] Choices = ["postgres", "sqlite", "both"];

    [Theory, BothStores]
    public async Task A_blocking_decide_question_parks_the_run_and_its_answer_comes_back_with_the_next_claim(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        var (_, coder, _) = await acme.CreateAgentAsync("coder", "backend");
        var reviewer = await acme.AddPersonAsync("reviewer");
        await acme.CreateWorkAsync("WEB", "Write the storage spec", new { status = "ready" });

        var lease = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var asked = await coder.PostJsonAsync($"/api/v1/runs/{lease.Str("run_id")}/ask", new
        {
            lease_token = lease.Str("lease_token"), question = "Which store should the spec target?",
            options = Choices.Select(c => new { value = c, label = c.ToUpperInvariant() }), to = "role:reviewer",
            checkpoint = new { section = 3 },
        });
        var question = asked.GetProperty("question");
        Assert.Equal("waiting", asked.GetProperty("run").Str("status"));
        Assert.Equal("blocked", asked.GetProperty("item").Str("status"));
        Assert.Equal(0, asked.GetProperty("item").GetProperty("attempts").GetInt32());
        Assert.Equal("decide", question.Str("kind"));
        Assert.Contains(asked.GetProperty("item").GetProperty("depends_on").EnumerateArray(), d => d.Str("key") == question.Str("key"));
        Assert.Empty((await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());

        var waiting = await reviewer.Client.GetJsonAsync("/api/v1/questions?status=open&mine=true");
        Assert.Equal(question.Str("key"), Assert.Single(waiting.GetProperty("items").EnumerateArray()).Str("key"));

        var wrong = await reviewer.Client.SendJsonAsync(HttpMethod.Post, $"/api/v1/work/{question.Str("key")}/submissions", new { values = new { answer = "oracle" } }, "q-1");
        Assert.NotEmpty((await wrong.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("values.answer"));
        var answered = await (await reviewer.Client.SendJsonAsync(HttpMethod.Post, $"/api/v1/work/{question.Str("key")}/submissions", new { values = new { answer = "both" } }, "q-1")).ReadSuccessAsync();
        Assert.Equal("answered", answered.GetProperty("question").Str("status"));
        Assert.Equal("done", answered.GetProperty("item").Str("status"));

        var again = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0];
        Assert.Equal("Write the storage spec", again.GetProperty("item").Str("title"));
        Assert.Equal(1, again.GetProperty("item").GetProperty("attempts").GetInt32());
        var context = again.GetProperty("context");
        Assert.Equal(3, context.GetProperty("checkpoint").GetProperty("section").GetInt32());
        var answer = Assert.Single(context.GetProperty("answers").EnumerateArray());
        Assert.Equal("Which store should the spec target?", answer.Str("question"));
        Assert.Equal("both", answer.GetProperty("answer").Str("answer"));
        var run = again.GetProperty("run");
        var done = await coder.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), summary = "Spec for both stores" });
        Assert.Equal("done", done.GetProperty("item").Str("status"));

        var audit = await acme.Owner.GetJsonAsync($"/api/v1/audit?entity_type=submission");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), a => a.Str("action") == "submission.created");

        var globex = await app.CreateTenantAsync("globex");
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/questions/{question.Str("id")}")).StatusCode);
        var foreign = await globex.Owner.SendJsonAsync(HttpMethod.Post, $"/api/v1/work/{question.Str("work_item_id")}/submissions", new { values = new { answer = "both" } }, "g-1");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Theory, BothStores]
    public async Task A_provide_form_refuses_an_empty_required_field_keeps_the_first_answer_for_its_key_and_takes_one_answer(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");

        var invalid = await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/work", new
        {
            project_id = "WEB", title = "Broken form",
            form = new { fields = new object[] { new { key = "a", type = "text", label = "A" }, new { key = "b", type = "file", label = "B" }, new { key = "c", type = "single_select", label = "C" } } },
        });
        var problem = await invalid.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("documents", Assert.Single(problem.FieldErrors("form.fields[1].type")));
        Assert.NotEmpty(problem.FieldErrors("form.fields[2].options"));
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/work?project=WEB")).GetProperty("items").EnumerateArray());

        var item = await acme.CreateWorkAsync("WEB", "Provide the production database URL", new
        {
            type = "provide", status = "ready",
            form = new
            {
                fields = new object[]
                {
                    new { key = "database_url", type = "link", label = "Database URL", required = true },
                    new { key = "pool_size", type = "number", label = "Pool size", min = 1, max = 100, @default = 10 },
                },
                bindings = new object[] { new { to = "output" }, new { to = "move", status = "done" } },
            },
        });
        var url = $"/api/v1/work/{item.Str("key")}/submissions";

        var empty = await acme.Owner.SendJsonAsync(HttpMethod.Post, url, new { values = new { pool_size = 500 } }, "p-0");
        var refused = await empty.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["is required"], refused.FieldErrors("values.database_url"));
        Assert.NotEmpty(refused.FieldErrors("values.pool_size"));
        Assert.Empty((await acme.Owner.GetJsonAsync(url)).GetProperty("items").EnumerateArray());

        var first = await acme.Owner.SendJsonAsync(HttpMethod.Post, url, new { values = new { database_url = "https://db.example.test/prod" } }, "p-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var stored = await first.ReadJsonAsync();
        Assert.Equal(10, stored.GetProperty("submission").GetProperty("values").GetProperty("pool_size").GetInt32());
        Assert.Equal("done", stored.GetProperty("item").Str("status"));
        Assert.Equal("https://db.example.test/prod", stored.GetProperty("item").GetProperty("output").Str("database_url"));

        var replay = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, url, new { values = new { database_url = "https://db.example.test/prod" } }, "p-1")).ReadSuccessAsync();
        Assert.Equal(stored.GetProperty("submission").Str("id"), replay.GetProperty("submission").Str("id"));

        var second = await acme.Owner.SendJsonAsync(HttpMethod.Post, url, new { values = new { database_url = "https://db.example.test/other" } }, "p-2");
        await second.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Single((await acme.Owner.GetJsonAsync(url)).GetProperty("items").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task An_unanswered_question_expires_to_its_default_answer_and_the_item_goes_on(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        var (_, coder, _) = await acme.CreateAgentAsync("coder", "backend");
        await acme.CreateWorkAsync("WEB", "Pick a colour", new { status = "ready" });
        var lease = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var asked = await coder.PostJsonAsync($"/api/v1/runs/{lease.Str("run_id")}/ask", new
        {
            lease_token = lease.Str("lease_token"), question = "Blue or green?", options = new[] { "blue", "green" },
            expires_in_seconds = 3600, default_answer = "blue",
        });
        var expiry = app.Services.GetRequiredService<QuestionExpiry>();
        Assert.Equal(0, await expiry.SweepAsync(CancellationToken.None));

        app.Clock!.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await expiry.SweepAsync(CancellationToken.None));

        var question = await acme.Owner.GetJsonAsync($"/api/v1/questions/{asked.GetProperty("question").Str("id")}");
        Assert.Equal("expired", question.Str("status"));
        Assert.Equal("blue", question.GetProperty("answer").Str("answer"));
        var again = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0];
        Assert.Equal("blue", again.GetProperty("context").GetProperty("answers")[0].GetProperty("answer").Str("answer"));
    }
    [Theory, BothStores]
    public async Task An_unanswered_question_without_a_default_goes_to_the_project_lead_who_still_answers_it(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        var lead = await acme.AddPersonAsync("member");
        await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { lead_user_id = lead.Id });
        var (_, coder, _) = await acme.CreateAgentAsync("coder", "backend");
        await acme.CreateWorkAsync("WEB", "Name the release", new { status = "ready" });
        var lease = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var asked = await coder.PostJsonAsync($"/api/v1/runs/{lease.Str("run_id")}/ask", new
        {
            lease_token = lease.Str("lease_token"), question = "What should the release be called?", to = "role:reviewer", expires_in_seconds = 600,
        });
        Assert.Equal("escalate", asked.GetProperty("question").Str("on_expiry"));
        Assert.Empty((await lead.Client.GetJsonAsync("/api/v1/questions?mine=true&status=open")).GetProperty("items").EnumerateArray());

        app.Clock!.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(1, await app.Services.GetRequiredService<QuestionExpiry>().SweepAsync(CancellationToken.None));

        var escalated = Assert.Single((await lead.Client.GetJsonAsync("/api/v1/questions?mine=true&status=open")).GetProperty("items").EnumerateArray());
        Assert.Equal($"user:{lead.Id}", escalated.Str("to"));
        var questionItem = await acme.Owner.GetJsonAsync($"/api/v1/work/{escalated.Str("key")}");
        Assert.Equal("high", questionItem.Str("priority"));
        Assert.Equal($"user:{lead.Id}", questionItem.Str("assignee"));
        var answered = await (await lead.Client.SendJsonAsync(HttpMethod.Post, $"/api/v1/work/{escalated.Str("key")}/submissions", new { values = new { answer = "Harbour" } }, "l-1")).ReadSuccessAsync();
        Assert.Equal("answered", answered.GetProperty("question").Str("status"));
        var audit = await acme.Owner.GetJsonAsync($"/api/v1/audit?action=question.escalated");
        Assert.Single(audit.GetProperty("items").EnumerateArray());
    }
}
