using System.Data.Common;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Bosun.Tests.Storage;

/// A database made before any later migration existed must come through every one of them with its data and keep
/// serving. Every migration added after the baseline has to keep this test passing, with the rows below written
/// exactly as the baseline schema takes them: never edit the statements to suit a later schema.
public sealed class UpgradeTests
{
    /// The last migration of the squashed schema, the oldest one a database in use can be at.
    private const string Baseline = "20261201230100_StoreRules";

    private const string Secret = "bsn_user_upgrade-test-owner-token-0000";
    private static readonly DateTime At = new(2026, 11, 2, 9, 0, 0, DateTimeKind.Utc);

    [Theory, BothStores]
    public async Task Data_written_at_the_baseline_survives_every_later_migration_and_is_served(StoreKind store)
    {
        var database = await TestDatabases.CreateEmptyAsync(store);
        List<string> later;
        await using (var db = Open(database))
        {
            var all = db.GetService<IMigrationsAssembly>().Migrations.Keys.ToList();
            Assert.Contains(Baseline, all);
            later = all.SkipWhile(m => m != Baseline).Skip(1).ToList();
            await db.GetService<IMigrator>().MigrateAsync(Baseline);
            Assert.Equal(later, (await Migrator.StatusAsync(db)).Pending);
        }

        await using (var connection = Connect(database))
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, BaselineRows);
        }

        await using (var db = Open(database))
        {
            await Migrator.MigrateAsync(db);
            var status = await Migrator.StatusAsync(db);
            Assert.Empty(status.Pending);
            Assert.Equal(later, status.Applied.SkipWhile(m => m != Baseline).Skip(1));
        }

        await using (var connection = Connect(database))
        {
            await connection.OpenAsync();
            Assert.Equal(
                ["WEB-1|Ship the login page|done|2", "WEB-2|Write the docs|ready|1"],
                await ReadAsync(connection, "SELECT key || '|' || title || '|' || status || '|' || priority FROM work_items WHERE tenant_id = 'tn_upgrade' ORDER BY key"));
            Assert.Equal(
                ["completed|1234"],
                await ReadAsync(connection, "SELECT status || '|' || cost_micros FROM runs WHERE tenant_id = 'tn_upgrade' AND id = 'rn_upgrade'"));
            Assert.Equal(
                ["rn_upgrade|claude-sonnet-4-5|1200|300|1234"],
                await ReadAsync(connection, "SELECT run_id || '|' || model || '|' || input_tokens || '|' || output_tokens || '|' || cost_micros FROM llm_calls WHERE tenant_id = 'tn_upgrade'"));
        }

        await using var app = await BosunTestApp.StartOnAsync(database);
        var owner = app.ClientFor(Secret);
        var tenant = new TestTenant(app, "tn_upgrade", "upgrade", "us_owner", owner, Secret);
        var work = await owner.GetJsonAsync("/api/v1/work");
        Assert.Equal(
            ["WEB-1 Ship the login page done", "WEB-2 Write the docs ready"],
            work.GetProperty("items").EnumerateArray().Select(w => $"{w.Str("key")} {w.Str("title")} {w.Str("status")}").Order());
        var call = Assert.Single((await owner.GetJsonAsync("/api/v1/runs/rn_upgrade/llm-calls")).GetProperty("items").EnumerateArray());
        Assert.Equal("claude-sonnet-4-5", call.Str("model"));
        Assert.Equal(0.001234m, call.GetProperty("cost_usd").GetDecimal());
        Assert.Equal("WEB-3", (await tenant.CreateWorkAsync("WEB", "After the upgrade")).Str("key"));
    }

    /// A tenant with its owner and the owner's token, a project, a finished item with its run and LLM call, and an
    /// item ready to claim. The same text runs on both stores: timestamps and booleans are parameters.
    private const string BaselineRows = """
        INSERT INTO tenants (id, name, slug, plan, monthly_spend_cap_micros, store_prompt_text, created_at, updated_at)
        VALUES ('tn_upgrade', 'Upgrade Inc', 'upgrade', 'self_hosted', NULL, @no, @at, @at);
        INSERT INTO users (tenant_id, id, email, name, role, status, password_hash, failed_sign_ins, created_at, updated_at)
        VALUES ('tn_upgrade', 'us_owner', 'owner@upgrade.test', 'Owner', 'owner', 'active', NULL, 0, @at, @at);
        INSERT INTO api_tokens (tenant_id, id, name, prefix, token_hash, user_id, agent_id, created_by, created_at)
        VALUES ('tn_upgrade', 'tk_owner', 'owner token', @prefix, @hash, 'us_owner', NULL, 'us_owner', @at);
        INSERT INTO projects (tenant_id, id, key, name, default_branch, status, next_item_number, created_at, updated_at)
        VALUES ('tn_upgrade', 'pj_web', 'WEB', 'Website', 'main', 'active', 3, @at, @at);
        INSERT INTO work_items (tenant_id, id, project_id, number, key, type, title, status, priority, approval_required,
            attempts, created_by, completed_at, created_at, updated_at)
        VALUES ('tn_upgrade', 'wi_login', 'pj_web', 1, 'WEB-1', 'task', 'Ship the login page', 'done', 2, @no, 1, 'us_owner', @at, @at, @at),
               ('tn_upgrade', 'wi_docs', 'pj_web', 2, 'WEB-2', 'task', 'Write the docs', 'ready', 1, @no, 0, 'us_owner', NULL, @at, @at);
        INSERT INTO runs (tenant_id, id, work_item_id, attempt, user_id, status, lease_token, started_at, ended_at, summary, cost_micros)
        VALUES ('tn_upgrade', 'rn_upgrade', 'wi_login', 1, 'us_owner', 'completed', 'lease-upgrade', @at, @at, 'Shipped', 1234);
        INSERT INTO llm_calls (tenant_id, id, run_id, project_id, work_item_id, provider, model, input_tokens, output_tokens,
            cache_read_tokens, cache_write_tokens, reasoning_tokens, billing_type, cost_basis, cost_micros, list_cost_micros, called_at, created_at)
        VALUES ('tn_upgrade', 'lc_upgrade', 'rn_upgrade', 'pj_web', 'wi_login', 'anthropic', 'claude-sonnet-4-5', 1200, 300,
            0, 0, 0, 'api', 'provided', 1234, 1234, @at, @at);
        """;

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.With("at", At).With("no", false).With("prefix", Secrets.PrefixOf(Secret)).With("hash", Secrets.Hash(Secret));
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> ReadAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    /// A plain connection as the database's owner, outside Bosun's tenant handling, as an operator's script would be.
    private static DbConnection Connect(StoreOptions store) => store.Kind == StoreKind.Sqlite
        ? new SqliteConnection(store.ConnectionString)
        : new NpgsqlConnection(store.ConnectionString);

    private static BosunDb Open(StoreOptions store)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        store.Configure(options);
        return new BosunDb(options.Options);
    }
}
