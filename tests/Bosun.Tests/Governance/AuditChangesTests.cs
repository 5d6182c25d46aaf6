using System.Text.Json;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;

namespace Bosun.Tests.Governance;

/// The change set every audit row and stream event carries, as readers of the audit trail parse it.
public sealed class AuditChangesTests
{
    [Fact]
    public void Changes_read_back_as_before_and_after_per_field_in_the_order_they_were_made()
    {
        var at = new DateTime(2026, 11, 26, 9, 30, 0, DateTimeKind.Utc);
        var json = new DirectAudit.Changes()
            .Set("status", RunStatus.Active, RunStatus.TimedOut)
            .Set("unchanged", 3, 3)
            .Added("summary", "Said \"done\" — <ok> ✓")
            .Added("nothing", null)
            .Set("attempt", 1, 2L)
            .Added("ended_at", at)
            .Set("cleared", "lease", null)
            .Added("labels", new[] { "a", "b" })
            .Set("status", RunStatus.Active, RunStatus.Completed)
            .Json();

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(["status", "summary", "attempt", "ended_at", "cleared", "labels"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("active", root.GetProperty("status").GetProperty("before").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetProperty("after").GetString());
        Assert.False(root.GetProperty("summary").TryGetProperty("before", out _));
        Assert.Equal("Said \"done\" — <ok> ✓", root.GetProperty("summary").GetProperty("after").GetString());
        Assert.Equal(1, root.GetProperty("attempt").GetProperty("before").GetInt32());
        Assert.Equal(2, root.GetProperty("attempt").GetProperty("after").GetInt64());
        Assert.Equal(at, root.GetProperty("ended_at").GetProperty("after").GetDateTime().ToUniversalTime());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("cleared").GetProperty("after").ValueKind);
        Assert.Equal(["a", "b"], root.GetProperty("labels").GetProperty("after").EnumerateArray().Select(e => e.GetString()));
    }
}
