using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Sqlite.Migrations;

/// What the model cannot say about the SQLite store: the triggers that keep the audit log, the call ledgers and
/// ended runs from changing. Written by hand, so it carries no model snapshot of its own; later model changes get
/// generated migrations after it.
[DbContext(typeof(BosunDb))]
[Migration("20261201230100_StoreRules")]
public sealed class StoreRules : Migration
{
    private static readonly string[] AppendOnly = ["audit_entries", "llm_calls", "tool_calls"];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        // SQLite has no roles or row-level security: one file belongs to one Bosun process, and the data context's
        // tenant filter is the isolation. The ledgers are still guarded by triggers. Agent events need no partitions
        // here: their key starts with (tenant_id, occurred_at), so retention deletes one contiguous key range per tenant.
        foreach (var table in AppendOnly)
        {
            migrationBuilder.Sql($"""
                CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
                """);
        }

        migrationBuilder.Sql("""
            CREATE TRIGGER runs_immutable_once_ended BEFORE UPDATE ON runs WHEN OLD.ended_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'run has ended and cannot change'); END;
            """);
        migrationBuilder.Sql("""
            CREATE TRIGGER runs_no_delete_once_ended BEFORE DELETE ON runs WHEN OLD.ended_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'run has ended and cannot change'); END;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder) =>
        throw new NotSupportedException("Bosun migrations are forward-only.");
}
