using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

public sealed class ArtifactsPageTests
{
    [Theory, BothStores]
    public async Task People_read_a_projects_artifacts_their_versions_and_graph_and_an_items_knowledge(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        var spec = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type = "spec", key = "api", title = "Orders API", content = "v1 <script>alert(1)</script>" });
        var server = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type = "code", key = "server", content = "server code" });
        await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{server.Str("id")}/dependencies", new { depends_on = "spec/api", kind = "imports" });
        await acme.Owner.PatchJsonAsync($"/api/v1/artifacts/{spec.Str("id")}", new { content = "v2 of the API" });
        var card = await acme.CreateWorkAsync("WEB", "Build the orders page", new { type = "card" });
        await acme.Owner.PostJsonAsync($"/api/v1/work/{card.Str("key")}/artifacts", new { artifact = "code/server" });
        await acme.Owner.PostJsonAsync($"/api/v1/work/{card.Str("key")}/knowledge", new { kind = "question", text = "Paginate by cursor?", answer = "Yes." });
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var list = await web.GetAsync("/artifacts?project=WEB");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Contains($"data-artifact=\"{spec.Str("id")}\"", list.Html);
        Assert.Contains("spec/api", list.Html);
        Assert.Contains("Orders API", list.Html);
        var onlyCode = await web.GetAsync("/artifacts?project=WEB&type=code");
        Assert.DoesNotContain($"data-artifact=\"{spec.Str("id")}\"", onlyCode.Html);

        var shown = await web.GetAsync($"/artifacts/{spec.Str("id")}");
        Assert.Equal(HttpStatusCode.OK, shown.Status);
        Assert.Contains("v2 of the API", shown.Html);
        Assert.Contains("data-version=\"1\"", shown.Html);
        Assert.Contains("data-version=\"2\"", shown.Html);
        Assert.Contains($"data-impacted=\"{server.Str("id")}\"", shown.Html);
        Assert.Contains($"data-work-item=\"{card.Str("key")}\"", shown.Html);
        var old = await web.GetAsync($"/artifacts/{spec.Str("id")}?version=1");
        Assert.Contains("&lt;script&gt;", old.Html);
        Assert.DoesNotContain("<script>alert(1)", old.Html);

        var item = await web.GetAsync($"/work/{card.Str("key")}");
        Assert.Contains($"data-artifact=\"{server.Str("id")}\"", item.Html);
        Assert.Contains("Paginate by cursor?", item.Html);
        Assert.Contains("Yes.", item.Html);

        var added = await web.PostAsync($"/work/{card.Str("key")}/knowledge", new Dictionary<string, string> { ["kind"] = "question", ["text"] = "Which currency?" });
        Assert.Equal(HttpStatusCode.SeeOther, added.Status);
        var asked = (await acme.Owner.GetJsonAsync($"/api/v1/work/{card.Str("key")}/knowledge?kind=question")).EnumerateArray().Single(k => k.Str("text") == "Which currency?");
        await web.GetAsync($"/work/{card.Str("key")}");
        var answered = await web.PostAsync($"/work/{card.Str("key")}/knowledge/{asked.Str("id")}/answer", new Dictionary<string, string> { ["answer"] = "EUR" });
        Assert.Equal(HttpStatusCode.SeeOther, answered.Status);
        Assert.Contains("EUR", (await web.GetAsync($"/work/{card.Str("key")}")).Html);
        var refused = await web.PostAsync($"/work/{card.Str("key")}/artifacts", new Dictionary<string, string> { ["artifact"] = "spec/nothing" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("no artifact", refused.FieldError("artifact-artifact"));
        await web.GetAsync($"/work/{card.Str("key")}");
        Assert.Equal(HttpStatusCode.SeeOther, (await web.PostAsync($"/work/{card.Str("key")}/artifacts", new Dictionary<string, string> { ["artifact"] = "spec/api" })).Status);
        Assert.Contains($"data-artifact=\"{spec.Str("id")}\"", (await web.GetAsync($"/work/{card.Str("key")}")).Html);

        var globex = await app.CreateTenantAsync("globex");
        await globex.SetOwnerPasswordAsync("globex password");
        using var other = new WebClient(app);
        await other.SignInAsync("owner@example.test", "globex password", tenant: "globex");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/artifacts/{spec.Str("id")}")).Status);
        Assert.DoesNotContain("spec/api", (await other.GetAsync("/artifacts")).Html);
    }
}
