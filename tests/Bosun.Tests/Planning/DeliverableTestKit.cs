using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Planning;

/// Templates and strategy plans as the tenant's rows, the period sweep as the background job runs it, and doing a
/// pipeline's steps as a person does them over the API.
public static class DeliverableTestKit
{
    /// A tenant template with its first version; steps and variables as the API takes them.
    public static Task<string> AddTemplateAsync(this TestTenant tenant, string name, object[] steps, object[]? variables = null) =>
        tenant.InTenantAsync(async db =>
        {
            var template = new Template { Name = name, Kind = "pipeline" };
            db.Templates.Add(template);
            db.TemplateVersions.Add(new TemplateVersion
            {
                TemplateId = template.Id,
                Version = 1,
                StepsJson = JsonSerializer.Serialize(steps, BosunJson.Options),
                VariablesJson = JsonSerializer.Serialize(variables ?? [], BosunJson.Options),
            });
            await db.SaveChangesAsync();
            return template.Id;
        });

    /// A strategy plan for the goal, submitted for approval (a strategy's body is its text; it has no steps).
    public static async Task<string> AddStrategyAsync(this TestTenant tenant, string projectId, string goalId, string title)
    {
        var plan = await tenant.Owner.PostJsonAsync("/api/v1/plans", new { project = projectId, goal = goalId, kind = "strategy", title, body = $"# {title}" });
        await tenant.Owner.PostJsonAsync($"/api/v1/plans/{plan.Str("id")}/submit", new { });
        return plan.Str("id");
    }

    /// A person approves the strategy; its deliverables make their periods in the approving transaction. Answers how
    /// many periods of the strategy's deliverables exist afterwards.
    public static async Task<int> ApproveStrategyAsync(this TestTenant tenant, string planId)
    {
        var approval = (await tenant.Owner.GetJsonAsync($"/api/v1/plans/{planId}")).GetProperty("versions").EnumerateArray()
            .Select(v => v.GetProperty("approval_id")).First(a => a.ValueKind == JsonValueKind.String).GetString();
        await tenant.Owner.PostJsonAsync($"/api/v1/approvals/{approval}/approve", new { });
        return await tenant.InTenantAsync(db => db.DeliverablePeriods.CountAsync(p => db.Deliverables.Any(d => d.Id == p.DeliverableId && d.PlanId == planId)));
    }

    public static Task<DeliverablePeriodSweep.Result> SweepAsync(this BosunTestApp app) =>
        app.Services.GetRequiredService<DeliverablePeriodSweep>().SweepAsync(CancellationToken.None);

    /// A unit of work of the tenant as the system, in one write transaction.
    public static async Task<T> InTenantAsync<T>(this TestTenant tenant, Func<BosunDb, Task<T>> work)
    {
        await using var scope = tenant.App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenant.Id, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return await db.InTransactionAsync(_ => work(db), write: true, CancellationToken.None);
    }

    /// A person starts a step and completes it; answers the completion (with approval_id when the step is gated).
    public static async Task<JsonElement> DoAsync(this HttpClient person, string itemKey)
    {
        var started = await person.PostJsonAsync($"/api/v1/work/{itemKey}/start", new { });
        return await person.PostJsonAsync($"/api/v1/runs/{started.GetProperty("run").Str("run_id")}/complete", new { summary = $"Did {itemKey}" });
    }

    /// The pipelines (or counted items) made for a goal, oldest first.
    public static async Task<List<JsonElement>> CountedItemsAsync(this TestTenant tenant, string goalId) =>
        await tenant.Owner.ListAllAsync($"/api/v1/work?parent=none&goal={goalId}");

    public static async Task<List<JsonElement>> StepsAsync(this TestTenant tenant, JsonElement parent) =>
        await tenant.Owner.ListAllAsync($"/api/v1/work?parent={parent.Str("id")}");

    public static JsonElement Period(this JsonElement deliverable, string key) =>
        deliverable.GetProperty("periods").EnumerateArray().Single(p => p.Str("period") == key);
}
