using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Bosun.Tests.Storage;

/// Tenant-scoped tables carry tenant_id in every key that identifies or points at a row: it keeps a row
/// from referring into another tenant and lets the tables be distributed by tenant later.
public sealed class TenantModelTests
{
    [Theory, BothStores]
    public void Every_tenant_table_has_tenant_id_in_its_keys_unique_indexes_and_references(StoreKind store)
    {
        using var db = ModelOnly(store);
        var tenantTables = TenantTables(db.Model);

        Assert.Superset(
            new HashSet<string> { "users", "invitations", "agents", "agent_projects", "api_tokens", "projects", "goals", "work_items", "work_item_labels", "work_item_dependencies", "comments", "audit_entries", "idempotency_records" },
            tenantTables.Select(t => t.Name).ToHashSet());
        Assert.Empty(Violations(db.Model));
    }

    [Fact]
    public void The_check_notices_a_table_that_breaks_the_rules()
    {
        var options = new DbContextOptionsBuilder<BrokenDb>();
        StoreOptions.Sqlite("unused.db").Configure(options.UseSqlite("Data Source=unused.db"));
        using var db = new BrokenDb(options.Options);

        var violations = Violations(db.Model);

        Assert.Contains(violations, v => v.Contains("notes: primary key"));
        Assert.Contains(violations, v => v.Contains("notes: unique index") && v.Contains("slug"));
        Assert.Contains(violations, v => v.Contains("notes: reference to boards"));
        Assert.Contains(violations, v => v.Contains("notes: tenant_id is nullable"));
    }

    private static List<string> Violations(IModel model)
    {
        var violations = new List<string>();
        var relational = model.GetRelationalModel();
        var tenantTables = TenantTables(model).Select(t => t.Name).ToHashSet();
        foreach (var table in relational.Tables.Where(t => tenantTables.Contains(t.Name)))
        {
            if (table.FindColumn("tenant_id") is not { } tenantId)
            {
                violations.Add($"{table.Name}: no tenant_id column");
                continue;
            }

            if (tenantId.IsNullable)
            {
                violations.Add($"{table.Name}: tenant_id is nullable");
            }

            if (table.PrimaryKey is not { } key || key.Columns.All(c => c.Name != "tenant_id"))
            {
                violations.Add($"{table.Name}: primary key does not include tenant_id");
            }

            foreach (var unique in table.Indexes.Where(i => i.IsUnique).Select(i => (i.Name, i.Columns))
                         .Concat(table.UniqueConstraints.Select(u => (u.Name, u.Columns))))
            {
                if (unique.Columns.All(c => c.Name != "tenant_id"))
                {
                    violations.Add($"{table.Name}: unique index {unique.Name} ({string.Join(", ", unique.Columns.Select(c => c.Name))}) does not include tenant_id");
                }
            }

            foreach (var reference in table.ForeignKeyConstraints)
            {
                var principal = reference.PrincipalTable.Name;
                if (!tenantTables.Contains(principal))
                {
                    continue;
                }

                var pairs = reference.Columns.Zip(reference.PrincipalColumns);
                if (!pairs.Any(p => p.First.Name == "tenant_id" && p.Second.Name == "tenant_id"))
                {
                    violations.Add($"{table.Name}: reference to {principal} ({string.Join(", ", reference.Columns.Select(c => c.Name))}) does not match on tenant_id");
                }
            }
        }

        return violations;
    }

    private static List<ITable> TenantTables(IModel model) =>
        model.GetRelationalModel().Tables
            .Where(t => t.EntityTypeMappings.Any(m => typeof(ITenantScoped).IsAssignableFrom(m.TypeBase.ClrType)))
            .ToList();

    private static BosunDb ModelOnly(StoreKind store)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        var target = store == StoreKind.Sqlite
            ? StoreOptions.Sqlite(Path.Combine(Path.GetTempPath(), "model-only.db"))
            : StoreOptions.Postgres("Host=127.0.0.1;Database=model_only");
        target.Configure(options);
        return new BosunDb(options.Options);
    }

    private sealed class Board : ITenantScoped
    {
        public string TenantId { get; set; } = "";
        public string Id { get; set; } = "";
    }

    private sealed class Note : ITenantScoped
    {
        public string? TenantId { get; set; }
        public string Id { get; set; } = "";
        public string Slug { get; set; } = "";
        public string BoardId { get; set; } = "";

        string ITenantScoped.TenantId { get => TenantId ?? ""; set => TenantId = value; }
    }

    private sealed class BrokenDb(DbContextOptions<BrokenDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder b)
        {
            b.Entity<Board>(e =>
            {
                e.ToTable("boards");
                e.HasKey(x => new { x.TenantId, x.Id });
            });
            b.Entity<Note>(e =>
            {
                e.ToTable("notes");
                e.Property(x => x.TenantId).HasColumnName("tenant_id");
                e.HasKey(x => x.Id);
                e.HasIndex(x => x.Slug).IsUnique();
                e.Property(x => x.Slug).HasColumnName("slug");
                e.HasOne<Board>().WithMany().HasForeignKey(x => x.BoardId).HasPrincipalKey(x => x.Id);
            });
        }
    }
}
