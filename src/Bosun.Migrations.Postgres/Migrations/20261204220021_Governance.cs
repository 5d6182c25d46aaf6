using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Governance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "attributes_json",
                table: "users",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "project_id",
                table: "invitations",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "project_role_key",
                table: "invitations",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "attributes_json",
                table: "agents",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "access_policies",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    effect = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    actions_json = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: false),
                    resources_json = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: false),
                    conditions_json = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    priority = table.Column<int>(type: "integer", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    system_key = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_access_policies", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_access_policies_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "permission_decisions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    principal_ref = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    action = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    resource = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    allowed = table.Column<bool>(type: "boolean", nullable: false),
                    matched_json = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    microseconds = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permission_decisions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_permission_decisions_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "role_assignments",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    role_key = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    agent_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    resource_ref = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_by_ref = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_role_assignments", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_role_assignments_agents_tenant_id_agent_id",
                        columns: x => new { x.tenant_id, x.agent_id },
                        principalTable: "agents",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_role_assignments_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_role_assignments_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_role_assignments_users_tenant_id_user_id",
                        columns: x => new { x.tenant_id, x.user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "roles",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    key = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    capabilities_json = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_roles", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_roles_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_access_policies_tenant_id_name",
                table: "access_policies",
                columns: new[] { "tenant_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_permission_decisions_tenant_id_at",
                table: "permission_decisions",
                columns: new[] { "tenant_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_role_assignments_tenant_id_agent_id",
                table: "role_assignments",
                columns: new[] { "tenant_id", "agent_id" });

            migrationBuilder.CreateIndex(
                name: "ix_role_assignments_tenant_id_project_id",
                table: "role_assignments",
                columns: new[] { "tenant_id", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ix_role_assignments_tenant_id_user_id",
                table: "role_assignments",
                columns: new[] { "tenant_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_roles_tenant_id_key",
                table: "roles",
                columns: new[] { "tenant_id", "key" },
                unique: true);

            TenantIsolation.Enable(migrationBuilder, "roles", "role_assignments", "access_policies", "permission_decisions");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_policies");

            migrationBuilder.DropTable(
                name: "permission_decisions");

            migrationBuilder.DropTable(
                name: "role_assignments");

            migrationBuilder.DropTable(
                name: "roles");

            migrationBuilder.DropColumn(
                name: "attributes_json",
                table: "users");

            migrationBuilder.DropColumn(
                name: "project_id",
                table: "invitations");

            migrationBuilder.DropColumn(
                name: "project_role_key",
                table: "invitations");

            migrationBuilder.DropColumn(
                name: "attributes_json",
                table: "agents");
        }
    }
}
