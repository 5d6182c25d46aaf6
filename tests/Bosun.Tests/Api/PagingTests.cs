using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bosun.Tests.Api;

public sealed class PagingTests
{
    [Theory, BothStores]
    public async Task Every_list_walks_all_rows_exactly_once_by_cursor(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        await acme.CreateProjectAsync("OPS");
        for (var i = 0; i < 7; i++)
        {
            await acme.CreateWorkAsync(i % 2 == 0 ? "WEB" : "API", $"Item {i}", new { labels = new[] { "all" } });
            await acme.CreateGoalAsync(new { title = $"Goal {i}" });
            await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = $"Comment {i}" });
        }

        for (var i = 0; i < 4; i++)
        {
            await acme.CreateAgentAsync($"agent-{i}");
            await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = $"p{i}@acme.test" });
        }

        await acme.AddPersonAsync("member");
        await acme.AddPersonAsync("reviewer");

        var lists = new[]
        {
            "/api/v1/work", "/api/v1/work?label=all", "/api/v1/work?project=WEB", "/api/v1/projects", "/api/v1/goals",
            "/api/v1/work/WEB-1/comments", "/api/v1/agents", "/api/v1/tokens", "/api/v1/users", "/api/v1/invitations", "/api/v1/audit",
        };
        using var commands = SqlCommands.Capture();
        foreach (var list in lists)
        {
            var all = (await acme.Owner.ListAllAsync(list)).Select(x => x.Str("id")).ToList();
            Assert.True(all.Count >= 3, $"{list} has only {all.Count} rows");
            var walked = new List<string>();
            var pages = 0;
            string? cursor = null;
            do
            {
                var page = await acme.Owner.GetJsonAsync($"{list}{(list.Contains('?') ? "&" : "?")}limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
                var items = page.GetProperty("items").EnumerateArray().Select(x => x.Str("id")).ToList();
                Assert.InRange(items.Count, 1, 2);
                walked.AddRange(items);
                cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.Null ? null : page.Str("next_cursor");
                pages++;
            }
            while (cursor is not null);

            Assert.Equal(all, walked);
            Assert.Equal(all.Count, walked.Distinct().Count());
            Assert.Equal((all.Count + 1) / 2, pages);
        }

        Assert.NotEmpty(commands.Texts);
        Assert.DoesNotContain(commands.Texts, sql => sql.Contains("OFFSET", StringComparison.OrdinalIgnoreCase));
    }

    [Theory, BothStores]
    public async Task The_last_page_has_no_cursor_and_new_rows_appear_after_the_cursor(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "One");
        await acme.CreateWorkAsync("WEB", "Two");

        var exact = await acme.Owner.GetJsonAsync("/api/v1/work?limit=2");
        Assert.Equal(2, exact.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, exact.GetProperty("next_cursor").ValueKind);

        var first = await acme.Owner.GetJsonAsync("/api/v1/work?limit=1");
        await acme.CreateWorkAsync("WEB", "Three");
        var rest = await acme.Owner.GetJsonAsync($"/api/v1/work?limit=10&cursor={first.Str("next_cursor")}");
        Assert.Equal(["Two", "Three"], rest.GetProperty("items").EnumerateArray().Select(w => w.Str("title")));

        var empty = await acme.Owner.GetJsonAsync("/api/v1/work?type=nothing");
        Assert.Empty(empty.GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("next_cursor").ValueKind);
    }

    [Theory, BothStores]
    public async Task A_cursor_that_is_not_one_is_400(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        foreach (var list in new[] { "/api/v1/work", "/api/v1/projects", "/api/v1/goals", "/api/v1/agents", "/api/v1/users", "/api/v1/tokens", "/api/v1/invitations", "/api/v1/audit" })
        {
            var problem = await (await acme.Owner.GetAsync($"{list}?cursor=page-2")).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors("cursor"));
            var tooMany = await (await acme.Owner.GetAsync($"{list}?limit=1000")).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(tooMany.FieldErrors("limit"));
        }
    }

    /// Records the SQL every Bosun database command sends while it is alive.
    private sealed class SqlCommands : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly List<IDisposable> _subscriptions = [];
        public ConcurrentBag<string> Texts { get; } = [];

        public static SqlCommands Capture()
        {
            var capture = new SqlCommands();
            capture._subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(capture));
            return capture;
        }

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == Microsoft.EntityFrameworkCore.DbLoggerCategory.Name)
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(listener.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Value is CommandEventData command)
            {
                Texts.Add(command.Command.CommandText);
            }
        }

        public void OnCompleted() { }

        public void OnError(Exception error) { }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}
