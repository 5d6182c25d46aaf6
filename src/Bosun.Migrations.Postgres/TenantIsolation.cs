using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres;

/// Row-level security for new tenant tables: a row is seen and written only under its own tenant's setting, which
/// Bosun sets per transaction (PostgresTenantInterceptor).
internal static class TenantIsolation
{
    public static void Enable(MigrationBuilder migrationBuilder, params string[] tables)
    {
        foreach (var table in tables)
        {
            migrationBuilder.Sql($"""
                ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON {table}
                    USING (tenant_id = current_setting('app.tenant_id', true))
                    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                """);
        }
    }
}
