using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Identity;

public sealed class TenantSettingsTests
{
    [Theory, BothStores]
    public async Task An_owner_changes_name_slug_plan_and_spend_cap(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");

        var before = await acme.Owner.GetJsonAsync("/api/v1/tenant");
        Assert.Equal("acme", before.Str("slug"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("monthly_spend_cap_usd").ValueKind);

        var changed = await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { name = "Acme Corp", slug = "acme-corp", plan = "team", monthly_spend_cap_usd = 250.75m });
        Assert.Equal("Acme Corp", changed.Str("name"));
        Assert.Equal("acme-corp", changed.Str("slug"));
        Assert.Equal("team", changed.Str("plan"));
        Assert.Equal(250.75m, changed.GetProperty("monthly_spend_cap_usd").GetDecimal());
        Assert.Equal(changed.GetRawText(), (await acme.Owner.GetJsonAsync("/api/v1/tenant")).GetRawText());

        var cleared = await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { clear_monthly_spend_cap = true });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("monthly_spend_cap_usd").ValueKind);
        Assert.Equal("Acme Corp", cleared.Str("name"));
    }

    [Theory, BothStores]
    public async Task Bad_or_taken_settings_are_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        await app.CreateTenantAsync("globex");

        var bad = await acme.Owner.PatchRawAsync("/api/v1/tenant", """{"slug":"Not A Slug!","monthly_spend_cap_usd":-5}""");
        var problem = await bad.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.FieldErrors("slug"));
        Assert.NotEmpty(problem.FieldErrors("monthly_spend_cap_usd"));
        var taken = await acme.Owner.PatchRawAsync("/api/v1/tenant", """{"slug":"globex"}""");
        Assert.NotEmpty((await taken.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("slug"));
        var admin = await acme.AddPersonAsync("admin");
        var member = await acme.AddPersonAsync("member");
        await (await member.Client.PatchRawAsync("/api/v1/tenant", """{"name":"Mine"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Admin's", (await admin.Client.PatchJsonAsync("/api/v1/tenant", new { name = "Admin's" })).Str("name"));
        Assert.Equal("acme", (await member.Client.GetJsonAsync("/api/v1/tenant")).Str("slug"));
    }
}
