using System.Text.Json;
using Bosun.Core.Automation;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Automation;

public static class ScheduleTestKit
{
    /// One pass of the loop the background job runs every second.
    public static Task<ScheduleLoop.Result> TickAsync(this BosunTestApp app) =>
        app.Services.GetRequiredService<ScheduleLoop>().TickAsync(CancellationToken.None);

    public static Task<JsonElement> CreateScheduleAsync(this TestTenant tenant, object body) =>
        tenant.Owner.PostJsonAsync("/api/v1/schedules", body);

    public static async Task<List<JsonElement>> FiringsAsync(this TestTenant tenant, string scheduleId) =>
        await tenant.Owner.ListAllAsync($"/api/v1/schedules/{scheduleId}/firings");

    public static void Advance(this BosunTestApp app, TimeSpan by) => app.Clock!.Advance(by);

    public static void SetTo(this BosunTestApp app, string utc) => app.Clock!.SetUtcNow(DateTimeOffset.Parse(utc));

    public static DateTime Utc(string text) => DateTime.Parse(text, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
}
