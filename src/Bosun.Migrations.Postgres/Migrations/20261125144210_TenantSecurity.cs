using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class TenantSecurity : Migration
    {
        private static readonly string[] TenantTables =
        [
            "users", "invitations", "agents", "agent_projects", "api_tokens", "projects", "goals",
            "work_items", "work_item_labels", "work_item_dependencies", "comments", "runs",
            "audit_entries", "idempotency_records", "approvals",
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Requests run as bosun_app (SET LOCAL ROLE per transaction). It owns nothing and has no
            // BYPASSRLS, so the policies below apply to it; Bosun's own maintenance runs as the owner.
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bosun_app') THEN
                        CREATE ROLE bosun_app NOLOGIN;
                    END IF;
                END $$;
                GRANT bosun_app TO CURRENT_USER;
                GRANT USAGE ON SCHEMA public TO bosun_app;
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bosun_app;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO bosun_app;
                """);

            foreach (var table in TenantTables)
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table}
                        USING (tenant_id = current_setting('app.tenant_id', true))
                        WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                    """);
            }

            migrationBuilder.Sql("""
                ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON tenants
                    USING (id = current_setting('app.tenant_id', true))
                    WITH CHECK (id = current_setting('app.tenant_id', true));

                CREATE FUNCTION bosun_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
                END $$;

                REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM bosun_app;
                CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
                    FOR EACH ROW EXECUTE FUNCTION bosun_refuse_change();

                CREATE FUNCTION bosun_refuse_ended_run_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF OLD.ended_at IS NOT NULL THEN
                        RAISE EXCEPTION 'run % has ended and cannot change', OLD.id USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    IF TG_OP = 'DELETE' THEN
                        RETURN OLD;
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER runs_immutable_once_ended BEFORE UPDATE OR DELETE ON runs
                    FOR EACH ROW EXECUTE FUNCTION bosun_refuse_ended_run_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("Bosun migrations are forward-only.");
    }
}
