using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Bosun.Tests.Scale;

/// Keeps the schema fit for the plan in docs/scale-out.md: on Citus every table is distributed by tenant_id or is a
/// reference table. Citus refuses a primary key or unique index of a distributed table that leaves out its
/// distribution column, and a foreign key from a reference table to a distributed one; a new table that does either
/// fails here, by name, rather than on the day someone distributes the database.
public sealed class ScaleOutCitusPlanTests
{
    /// The tables without tenant_id that every node gets a copy of; docs/scale-out.md lists the same ones.
    public static readonly IReadOnlySet<string> ReferenceTables = new HashSet<string> { "tenants", "operators", "operator_tokens" };

    [Fact]
    public void Every_table_is_distributed_by_tenant_id_or_is_a_listed_reference_table()
    {
        using var db = PostgresModel<BosunDb>(o => new BosunDb(o));

        Assert.Empty(Violations(db.Model, ReferenceTables));

        // The list holds what is there, not what once was: each is a table of the model and has no tenant_id to
        // distribute it by.
        var tables = db.Model.GetRelationalModel().Tables.ToDictionary(t => t.Name);
        Assert.All(ReferenceTables, name => Assert.Null(Assert.Contains(name, tables).FindColumn("tenant_id")));
        Assert.True(tables.Count - ReferenceTables.Count >= 70, $"only {tables.Count - ReferenceTables.Count} distributed tables");
    }

    [Fact]
    public void The_check_names_a_table_that_would_break_the_plan()
    {
        using var db = PostgresModel<BrokenDb>(o => new BrokenDb(o));

        var violations = Violations(db.Model, new HashSet<string> { "plans" });

        Assert.Equal(
        [
            "labels: no tenant_id to distribute by, and not a reference table",
            "notes: unique index ix_notes_slug (slug) leaves out tenant_id",
            "plans: a reference table refers to notes, a distributed table",
        ], violations.Order());
    }

    private static List<string> Violations(IModel model, IReadOnlySet<string> referenceTables)
    {
        var violations = new List<string>();
        foreach (var table in model.GetRelationalModel().Tables.OrderBy(t => t.Name))
        {
            if (referenceTables.Contains(table.Name))
            {
                violations.AddRange(table.ForeignKeyConstraints.Where(f => !referenceTables.Contains(f.PrincipalTable.Name))
                    .Select(f => $"{table.Name}: a reference table refers to {f.PrincipalTable.Name}, a distributed table"));
                continue;
            }

            if (table.FindColumn("tenant_id") is not { IsNullable: false })
            {
                violations.Add($"{table.Name}: no tenant_id to distribute by, and not a reference table");
                continue;
            }

            if (table.PrimaryKey is not { } key || key.Columns.All(c => c.Name != "tenant_id"))
            {
                violations.Add($"{table.Name}: primary key leaves out tenant_id");
            }

            foreach (var (name, columns) in table.Indexes.Where(i => i.IsUnique).Select(i => (i.Name, i.Columns))
                         .Concat(table.UniqueConstraints.Where(u => !u.GetIsPrimaryKey()).Select(u => (u.Name, u.Columns))))
            {
                if (columns.All(c => c.Name != "tenant_id"))
                {
                    violations.Add($"{table.Name}: unique index {name} ({string.Join(", ", columns.Select(c => c.Name))}) leaves out tenant_id");
                }
            }

            // Distributed tables refer to each other only within one tenant, so each reference stays on one shard.
            foreach (var reference in table.ForeignKeyConstraints.Where(f => !referenceTables.Contains(f.PrincipalTable.Name)))
            {
                if (!reference.Columns.Zip(reference.PrincipalColumns).Any(p => p.First.Name == "tenant_id" && p.Second.Name == "tenant_id"))
                {
                    violations.Add($"{table.Name}: reference to {reference.PrincipalTable.Name} does not match on tenant_id");
                }
            }
        }

        return violations;
    }

    private static T PostgresModel<T>(Func<DbContextOptions<T>, T> create) where T : DbContext
    {
        var options = new DbContextOptionsBuilder<T>();
        StoreOptions.Postgres("Host=127.0.0.1;Database=model_only").Configure(options);
        return create(options.Options);
    }

    private sealed class Note
    {
        public string TenantId { get; set; } = "";
        public string Id { get; set; } = "";
        public string Slug { get; set; } = "";
    }

    private sealed class Label
    {
        public string Id { get; set; } = "";
    }

    private sealed class Plan
    {
        public string Id { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string NoteId { get; set; } = "";
    }

    private sealed class BrokenDb(DbContextOptions<BrokenDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder b)
        {
            b.Entity<Note>(e =>
            {
                e.ToTable("notes");
                e.Property(x => x.TenantId).HasColumnName("tenant_id");
                e.Property(x => x.Slug).HasColumnName("slug");
                e.HasKey(x => new { x.TenantId, x.Id });
                e.HasIndex(x => x.Slug).IsUnique().HasDatabaseName("ix_notes_slug");
            });
            b.Entity<Label>(e => e.ToTable("labels"));
            b.Entity<Plan>(e =>
            {
                e.ToTable("plans");
                e.Property(x => x.TenantId).HasColumnName("tenant_id");
                e.HasOne<Note>().WithMany().HasForeignKey(x => new { x.TenantId, x.NoteId });
            });
        }
    }
}
