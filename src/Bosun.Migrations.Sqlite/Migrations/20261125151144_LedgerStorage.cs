using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class LedgerStorage : Migration
    {
        private static readonly string[] AppendOnly = ["llm_calls", "tool_calls"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The ledgers are append-only, like the audit log. Agent events need no partitions here: their key
            // starts with (tenant_id, occurred_at), so retention deletes one contiguous key range per tenant.
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("Bosun migrations are forward-only.");
    }
}
