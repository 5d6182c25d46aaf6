using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class WebSessionSecurity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Web sessions are found by cookie hash before the tenant is known (as the owner); inside a
            // request bosun_app sees only its tenant's sessions, like every other tenant table.
            migrationBuilder.Sql("""
                GRANT SELECT, INSERT, UPDATE, DELETE ON web_sessions TO bosun_app;
                ALTER TABLE web_sessions ENABLE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON web_sessions
                    USING (tenant_id = current_setting('app.tenant_id', true))
                    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("Bosun migrations are forward-only.");
    }
}
