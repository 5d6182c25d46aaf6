using System.Net;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Web;

public sealed class SuspendedTenantWebTests
{
    [Theory, BothStores]
    public async Task A_suspended_tenants_people_are_told_so_on_sign_in_and_in_an_open_session(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        using var open = new WebClient(app);
        Assert.Equal(HttpStatusCode.SeeOther, (await open.SignInAsync("owner@example.test", WebTestTenants.Password)).Status);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<OperatorService>().CreateOperatorAsync("ops@example.test", null, CancellationToken.None);
            await app.ClientFor(created.Token).PostJsonAsync($"/api/v1/operator/tenants/{acme.Id}/suspend", new { });
        }

        var board = await open.GetAsync("/board");
        Assert.Equal(HttpStatusCode.Forbidden, board.Status);
        Assert.Contains("contact the instance operator", board.Html, StringComparison.OrdinalIgnoreCase);

        using var fresh = new WebClient(app);
        var refused = await fresh.SignInAsync("owner@example.test", WebTestTenants.Password);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("suspended", refused.Html);
        Assert.Contains("Contact the instance operator", refused.Html);
    }
}
