using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TenantSecurity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // SQLite has no roles or row-level security: one file belongs to one Bosun process, and the
            // data context's tenant filter is the isolation. The ledgers are still guarded by triggers.
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER runs_immutable_once_ended BEFORE UPDATE ON runs WHEN OLD.ended_at IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'run has ended and cannot change'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER runs_no_delete_once_ended BEFORE DELETE ON runs WHEN OLD.ended_at IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'run has ended and cannot change'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("Bosun migrations are forward-only.");
    }
}
