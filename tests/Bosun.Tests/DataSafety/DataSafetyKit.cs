using System.Data.Common;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Safety;
using Bosun.Core.Data.Sqlite;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bosun.Tests.DataSafety;

/// A directory of the test's own, removed afterwards.
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bosun-safety-{Ids.New()}");

    public TempDir() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// What the data safety tests read from databases directly, beside what Bosun itself reports.
internal static class DataSafetyKit
{
    public static async Task<DbConnection> OpenAsync(StoreOptions store)
    {
        DbConnection connection = store.Kind == StoreKind.Sqlite ? new Microsoft.Data.Sqlite.SqliteConnection(store.ConnectionString) : new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// A migrated database the command line can name: SQLite as bosun.db in a directory of its own (--data-dir), or a
    /// PostgreSQL database (--postgres).
    public static async Task<StoreOptions> NamedStoreAsync(StoreKind kind, TempDir dir, string name = "data")
    {
        if (kind == StoreKind.Postgres)
        {
            return await TestDatabases.CreateAsync(kind);
        }

        var migrated = await TestDatabases.CreateAsync(kind);
        var file = System.IO.Path.Combine(dir.Path, name, "bosun.db");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        System.IO.File.Move(migrated.SqliteFile!, file);
        return StoreOptions.Sqlite(file);
    }

    /// An empty target the command line can name: no file yet, or a PostgreSQL database without tables.
    public static async Task<StoreOptions> EmptyNamedStoreAsync(StoreKind kind, TempDir dir, string name = "target") =>
        kind == StoreKind.Postgres ? await TestDatabases.CreateEmptyAsync(kind) : StoreOptions.Sqlite(System.IO.Path.Combine(dir.Path, name, "bosun.db"));

    /// Nothing was written to a target: no SQLite file, no PostgreSQL table.
    public static async Task<bool> UntouchedAsync(StoreOptions target) =>
        target.Kind == StoreKind.Sqlite
            ? !System.IO.File.Exists(target.SqliteFile)
            : (await ColumnAsync(target, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"))[0] == "0";

    /// Every row of every table of the model (one tenant's when given), as canonical JSON lines in order: two stores
    /// hold the same data when these are equal.
    public static async Task<SortedDictionary<string, List<string>>> RowsAsync(StoreOptions store, string? tenantId)
    {
        await using var connection = await OpenAsync(store);
        var rows = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in StoreTables.Of(store).Where(t => tenantId is null || t.BelongsToTenant))
        {
            var canonical = new Canonical(table.Columns);
            var lines = new List<string>();
            await foreach (var row in TableRows.ReadAsync(connection, null, table, tenantId, CancellationToken.None))
            {
                lines.Add(Encoding.UTF8.GetString(canonical.Line(row).Span));
            }

            lines.Sort(StringComparer.Ordinal);
            rows[table.Name] = lines;
        }

        return rows;
    }

    /// Rows of every table the database holds, EF's own and partitions included.
    public static async Task<Dictionary<string, long>> CountsAsync(StoreOptions store)
    {
        if (store.Kind == StoreKind.Sqlite)
        {
            await using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection(store.ConnectionString);
            await sqlite.OpenAsync();
            return await SqliteBackup.CountTablesAsync(sqlite, null, CancellationToken.None);
        }

        await using var pg = new NpgsqlConnection(store.ConnectionString);
        await pg.OpenAsync();
        return await PostgresBackup.CountTablesAsync(pg, null, CancellationToken.None);
    }

    public static async Task<List<string>> ColumnAsync(StoreOptions store, string sql)
    {
        await using var connection = await OpenAsync(store);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    public static async Task ExecuteAsync(StoreOptions store, string sql)
    {
        await using var connection = await OpenAsync(store);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// What PostgreSQL enforces beside the rows: which tables have row-level security and their policies, the grants on
    /// every table, sequence and function, the triggers, the functions and how they run, and default privileges.
    /// A table without an ACL has its owner's default rights (the instance's own tables, closed to bosun_app, are restored
    /// so), which is what an ACL naming only the owner says too.
    public static async Task<List<string>> CatalogAsync(StoreOptions store) =>
        await ColumnAsync(store, """
            SELECT 'table ' || c.relname || ' ' || c.relkind::text || ' rls=' || c.relrowsecurity::text || ' acl=' || array_to_string(coalesce(c.relacl, acldefault('r', c.relowner)), ',')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S') AND c.relname !~ '^agent_events_[0-9]{8}$'
            UNION ALL
            SELECT 'policy ' || tablename || ' ' || policyname || ' ' || cmd || ' ' || array_to_string(roles, ',') || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
            FROM pg_policies WHERE schemaname = current_schema()
            UNION ALL
            SELECT 'trigger ' || c.relname || ' ' || t.tgname || ' ' || pg_get_triggerdef(t.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
            UNION ALL
            SELECT 'function ' || p.oid::regprocedure || ' definer=' || p.prosecdef::text || ' acl=' || coalesce(array_to_string(p.proacl, ','), '-')
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
            UNION ALL
            SELECT 'default ' || d.defaclobjtype::text || ' ' || array_to_string(d.defaclacl, ',') FROM pg_default_acl d
            UNION ALL
            SELECT 'member ' || r.rolname || ' of ' || m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.member JOIN pg_roles m ON m.oid = a.roleid
            WHERE m.rolname = 'bosun_app'
            ORDER BY 1
            """);

    /// The day partitions agent events have.
    public static Task<List<string>> PartitionsAsync(StoreOptions store) =>
        ColumnAsync(store, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'agent_events'::regclass ORDER BY 1");

    /// An OAuth2 connection its owner has pressed Connect for: a pending authorization with its sealed PKCE verifier.
    private static async Task StartConnectingAsync(TestTenant tenant)
    {
        await tenant.Owner.PostJsonAsync("/api/v1/connections", new
        {
            name = "crm", provider = "crm", authorize_url = "https://crm.example.test/authorize", token_url = "https://crm.example.test/token",
            client_id = "bosun", client_secret = "crm-client-secret",
        });
        await using var scope = tenant.App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>()
            .EnterTenant(tenant.Id, new Actor(ActorType.Person, tenant.OwnerId, "Owner"), Bosun.Core.Identity.PersonRole.Owner);
        var connections = scope.ServiceProvider.GetRequiredService<Bosun.Core.Integrations.ConnectionService>();
        await scope.ServiceProvider.GetRequiredService<BosunDb>()
            .InTransactionAsync(c => connections.StartAuthorizationAsync("crm", "http://localhost/connections/callback", c), write: true, CancellationToken.None);
    }

    /// A tenant that has used Bosun: a project, a goal, items with a parent, labels, a dependency and a comment, an agent
    /// that completed one item and holds another, LLM and tool calls, a budget, a webhook, a project chat route, a GitHub integration and a rule's inbound trigger with their sealed secrets, a
    /// vault secret bound to the agent and read by it, a connection being connected, agent
    /// events on two days, an imported session and an approval. Returns the id of the item the agent holds.
    public static async Task<string> PopulateAsync(TestTenant tenant, DateTimeOffset now)
    {
        var owner = tenant.Owner;
        await tenant.CreateProjectAsync("WEB");
        var goal = await owner.PostJsonAsync("/api/v1/goals", new { project_id = "WEB", title = "Launch", metric_name = "pages", target = 10 });
        var epic = await tenant.CreateWorkAsync("WEB", "The launch", new { goal_id = goal.Str("id"), labels = new[] { "launch" } });
        var first = await tenant.CreateWorkAsync("WEB", "Write the page", new { status = "ready", parent_id = epic.Str("id"), description = "Tabs\tand\nnew lines, quotes \" and a backslash \\ stay" });
        var second = await tenant.CreateWorkAsync("WEB", "Ship the page", new { status = "ready", depends_on = new[] { first.Str("id") } });
        await owner.PostJsonAsync($"/api/v1/work/{first.Str("id")}/comments", new { body = "Looks good — ünïcödé too" });
        var (_, agent, _) = await tenant.CreateAgentAsync("coder");

        var done = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0].GetProperty("run");
        await agent.PostJsonAsync($"/api/v1/runs/{done.Str("run_id")}/complete", new { lease_token = done.Str("lease_token"), output = new { url = "https://example.test" }, summary = "shipped" });
        await tenant.CreateWorkAsync("WEB", "Next", new { status = "ready" });
        var held = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0];
        var run = held.GetProperty("run").Str("run_id");
        await agent.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", new { provider = "anthropic", model = "claude-sonnet-4-5", input_tokens = 1200, output_tokens = 300 });
        await agent.PostJsonAsync($"/api/v1/runs/{run}/tool-calls", new { tool_name = "bash", input_summary = "ls" });
        await owner.PostJsonAsync("/api/v1/budgets", new { scope = "tenant", amount_usd = 100, warn_percent = 50, action = "warn" });
        await owner.PostJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.test/bosun" });
        await owner.PostJsonAsync("/api/v1/notification-routes", new { project = "WEB", url = "https://chat.example.test/hooks/T0KEN" });
        await owner.PostJsonAsync("/api/v1/github/integrations", new { repositories = new[] { "acme/web" }, project = "WEB" });
        await owner.PostJsonAsync("/api/v1/secrets", new { name = "DEPLOY_KEY", type = "api_key", value = "deploy-key-value" });
        await owner.PostJsonAsync("/api/v1/secrets/DEPLOY_KEY/bindings", new { subject = "agent:coder" });
        await agent.GetJsonAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY");
        await owner.PostJsonAsync("/api/v1/roles", new { key = "triager", capabilities = new[] { "work:read", "work:move" } });
        await owner.PostJsonAsync("/api/v1/role-assignments", new { role = "triager", agent_id = (await owner.GetJsonAsync("/api/v1/agents")).GetProperty("items")[0].Str("id"), project_id = "WEB" });
        await owner.PostJsonAsync("/api/v1/policies", new { name = "no moves when blocked", effect = "deny", actions = new[] { "work:move" }, conditions = new Dictionary<string, object> { ["resource.status"] = "blocked" } });
        await StartConnectingAsync(tenant);
        var rule = await owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Alert to item", @event = "inbound",
            actions = new object[] { new { type = "create_item", project = "WEB", title = "Alert: {{body.name}}" } },
        });
        await owner.PostJsonAsync($"/api/v1/rules/{rule.Str("id")}/inbound", new { });
        await owner.PostJsonAsync("/api/v1/events", new object[]
        {
            new { id = "e-1", timestamp = now.AddDays(-1), type = "command", session = "s-1", metrics = new { tokens = 10 } },
            new { id = "e-2", timestamp = now.AddMinutes(-5), type = "file_edit", session = "s-1", metrics = new { tokens = 5 } },
        });
        await owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "claude_code", external_id = "session-1", model = "claude-sonnet-4-5", started_at = now.AddHours(-2),
            messages = new[] { new { external_id = "m-1", role = "user", text = "Hello", at = now.AddHours(-2) } },
            llm_calls = new[] { new { external_id = "c-1", provider = "anthropic", model = "claude-sonnet-4-5", input_tokens = 10, output_tokens = 5, called_at = now.AddHours(-2) } },
        });
        await owner.PostJsonAsync("/api/v1/approvals", new { work_item_id = second.Str("id"), subject = "Ready to ship?" });
        return held.GetProperty("item").Str("id");
    }

    /// Gives every table of the model the tenant has no row in yet one row, made up from the model (keys, references to
    /// the tenant's other rows, a valid value for enum columns, JSON where the column holds JSON), so that a test covers
    /// every table, those added after it was written too.
    public static async Task FillEmptyTablesAsync(StoreOptions store, string tenantId)
    {
        var model = StoreTables.ModelOf(store);
        var tables = StoreTables.Of(store).Where(t => t.BelongsToTenant).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var existing = await RowsAsync(store, tenantId);
        var rows = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        foreach (var table in tables.Values.Where(t => existing[t.Name].Count == 0))
        {
            rows[table.Name] = table.Columns.ToDictionary(c => c.Name, c => Invent(model, table, c, tenantId), StringComparer.Ordinal);
        }

        object? ValueOf(string table, string column)
        {
            if (rows.TryGetValue(table, out var made))
            {
                return made[column];
            }

            using var json = JsonDocument.Parse(existing[table][0]);
            return RowValues.Parse(json.RootElement.GetProperty(column), tables[table].Column(column));
        }

        foreach (var (name, row) in rows)
        {
            foreach (var fk in tables[name].ForeignKeys)
            {
                for (var i = 0; i < fk.Columns.Count; i++)
                {
                    row[fk.Columns[i]] = ValueOf(fk.PrincipalTable, fk.PrincipalColumns[i]);
                }
            }
        }

        var load = store.Kind == StoreKind.Sqlite ? (StoreLoad)await SqliteLoad.BeginAsync(store, CancellationToken.None) : await PostgresLoad.BeginAsync(store, CancellationToken.None);
        await using (load)
        {
            var order = StoreTables.LoadOrder([.. tables.Values]).Where(s => rows.ContainsKey(s.Table.Name)).ToList();
            await TableLoader.LoadAsync(load, order, t => One([.. t.Columns.Select(c => rows[t.Name][c.Name])]), rows.Count, null, CancellationToken.None);
            await load.CommitAsync(CancellationToken.None);
        }
    }

    private static async IAsyncEnumerable<object?[]> One(object?[] row)
    {
        await Task.CompletedTask;
        yield return row;
    }

    private static object? Invent(IModel model, StoreTable table, StoreColumn column, string tenantId)
    {
        if (column.Name == StoreTables.TenantColumn || (table.IsTenantRoot && table.Key.Contains(column.Name)))
        {
            return tenantId;
        }

        var property = model.GetEntityTypes().Single(e => e.GetTableName() == table.Name).GetProperties().Single(p => p.GetColumnName() == column.Name);
        var type = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
        if (type.IsEnum && property.GetTypeMapping().Converter is { } converter)
        {
            return RowValue(converter.ConvertToProvider(Enum.GetValues(type).GetValue(0)));
        }

        return column.Kind switch
        {
            ValueKind.Text when column.Name.EndsWith("_json", StringComparison.Ordinal) => column.Name.Contains("steps") || column.Name.Contains("items") || column.Name.Contains("checks") || column.Name.Contains("paths") ? "[]" : "{}",
            ValueKind.Text => Ids.New()[^Math.Min(26, column.MaxLength ?? 26)..],
            ValueKind.Integer => 1L,
            ValueKind.Boolean => true,
            ValueKind.Real => 1.5,
            ValueKind.Time => new DateTime(2026, 3, 2, 9, 30, 15, 123, 456, DateTimeKind.Utc),
            _ => new byte[] { 1, 2, 3 },
        };
    }

    private static object? RowValue(object? provider) => provider switch
    {
        int i => (long)i,
        short s => (long)s,
        _ => provider,
    };
}
