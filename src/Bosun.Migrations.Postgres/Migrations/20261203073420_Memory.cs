using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Memory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "memory_recalls",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    asked_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    query = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    scope = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    scope_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    results_json = table.Column<string>(type: "text", nullable: false),
                    took_ms = table.Column<int>(type: "integer", nullable: false),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_memory_recalls", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "memory_units",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    scope = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    scope_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    content = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false),
                    source = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    source_run_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    source_work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_memory_units", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "skill_attachments",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    skill_id = table.Column<string>(type: "character varying(70)", maxLength: 70, nullable: false),
                    target = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    target_value = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_skill_attachments", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "skills",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    current_version = table.Column<int>(type: "integer", nullable: false),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_skills", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "skill_versions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    skill_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    content = table.Column<string>(type: "character varying(100000)", maxLength: 100000, nullable: false),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_skill_versions", x => new { x.tenant_id, x.skill_id, x.version });
                    table.ForeignKey(
                        name: "fk_skill_versions_skills_tenant_id_skill_id",
                        columns: x => new { x.tenant_id, x.skill_id },
                        principalTable: "skills",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_memory_units_tenant_id_scope_scope_id_id",
                table: "memory_units",
                columns: new[] { "tenant_id", "scope", "scope_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_skill_attachments_tenant_id_skill_id_target_target_value",
                table: "skill_attachments",
                columns: new[] { "tenant_id", "skill_id", "target", "target_value" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_skill_attachments_tenant_id_target_target_value",
                table: "skill_attachments",
                columns: new[] { "tenant_id", "target", "target_value" });

            migrationBuilder.CreateIndex(
                name: "ix_skills_tenant_id_name",
                table: "skills",
                columns: new[] { "tenant_id", "name" },
                unique: true);

            // Inside a request bosun_app sees only its tenant's rows (as in StoreRules).
            foreach (var table in new[] { "memory_units", "memory_recalls", "skills", "skill_versions", "skill_attachments" })
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
                name: "memory_recalls");

            migrationBuilder.DropTable(
                name: "memory_units");

            migrationBuilder.DropTable(
                name: "skill_attachments");

            migrationBuilder.DropTable(
                name: "skill_versions");

            migrationBuilder.DropTable(
                name: "skills");
        }
    }
}
