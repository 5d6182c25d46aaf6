using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class AgentInterfacesSecurity : Migration
    {
        private static readonly string[] TenantTables = ["stream_events", "stream_heads", "webhooks", "webhook_deliveries"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var table in TenantTables)
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table}
                        USING (tenant_id = current_setting('app.tenant_id', true))
                        WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                    """);
            }

            // Requests only ever append events; retention deletes them as the owner.
            migrationBuilder.Sql("REVOKE UPDATE, DELETE, TRUNCATE ON stream_events FROM bosun_app;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("Bosun migrations are forward-only.");
    }
}
