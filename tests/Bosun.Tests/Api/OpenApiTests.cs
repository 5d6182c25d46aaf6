using System.Globalization;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Core.Realtime;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Api;

public sealed class OpenApiTests
{
    /// Clients plan their reconnects by the documented retention; the stream must keep what the description promises.
    [Fact]
    public async Task The_stream_description_states_the_retention_and_heartbeat_the_server_uses()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var options = app.Services.GetRequiredService<RealtimeOptions>();

        var document = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var description = document.GetProperty("paths").GetProperty("/api/v1/stream").GetProperty("get").Str("description");

        Assert.Equal(options.Retention.TotalHours, Stated(description, @"events are kept at least (\S+) hours"));
        Assert.Equal(options.HeartbeatInterval.TotalSeconds, Stated(description, @"every (\S+) seconds of quiet"));
    }

    private static double Stated(string text, string pattern)
    {
        var match = Regex.Match(text, pattern);
        Assert.True(match.Success, $"'{pattern}' not found in: {text}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
