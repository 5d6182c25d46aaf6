using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Machines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "machine_id",
                table: "runs",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "workspace_id",
                table: "runs",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "machine_id",
                table: "agent_sessions",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "workspace_id",
                table: "agent_sessions",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "machines",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    machine_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    hostname = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    os = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    os_version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    user_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    first_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_machines", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "workspaces",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    machine_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    path = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    git_branch = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    git_commit = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    first_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workspaces", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_workspaces_machines_tenant_id_machine_id",
                        columns: x => new { x.tenant_id, x.machine_id },
                        principalTable: "machines",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_workspaces_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_machine_id",
                table: "runs",
                columns: new[] { "tenant_id", "machine_id" },
                filter: "machine_id IS NOT NULL AND ended_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_agent_sessions_tenant_id_machine_id",
                table: "agent_sessions",
                columns: new[] { "tenant_id", "machine_id" });

            migrationBuilder.CreateIndex(
                name: "ix_machines_tenant_id_last_seen_at",
                table: "machines",
                columns: new[] { "tenant_id", "last_seen_at" });

            migrationBuilder.CreateIndex(
                name: "ix_machines_tenant_id_machine_key",
                table: "machines",
                columns: new[] { "tenant_id", "machine_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_workspaces_tenant_id_machine_id_path",
                table: "workspaces",
                columns: new[] { "tenant_id", "machine_id", "path" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_workspaces_tenant_id_project_id",
                table: "workspaces",
                columns: new[] { "tenant_id", "project_id" });

            // Inside a request bosun_app sees only its tenant's rows (as in StoreRules).
            foreach (var table in new[] { "machines", "workspaces" })
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table}
                        USING (tenant_id = current_setting('app.tenant_id', true))
                        WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "workspaces");

            migrationBuilder.DropTable(
                name: "machines");

            migrationBuilder.DropIndex(
                name: "ix_runs_tenant_id_machine_id",
                table: "runs");

            migrationBuilder.DropIndex(
                name: "ix_agent_sessions_tenant_id_machine_id",
                table: "agent_sessions");

            migrationBuilder.DropColumn(
                name: "machine_id",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "workspace_id",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "machine_id",
                table: "agent_sessions");

            migrationBuilder.DropColumn(
                name: "workspace_id",
                table: "agent_sessions");
        }
    }
}
