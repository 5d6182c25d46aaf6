using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ContextAssembly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "context_profiles",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    role = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    item_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    max_tokens = table.Column<int>(type: "INTEGER", nullable: false),
                    reserved_tokens = table.Column<int>(type: "INTEGER", nullable: false),
                    priorities_json = table.Column<string>(type: "TEXT", nullable: true),
                    encoding = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_context_profiles", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_context_profiles_agents_tenant_id_agent_id",
                        columns: x => new { x.tenant_id, x.agent_id },
                        principalTable: "agents",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "context_requests",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    profile_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    requested_by = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    inputs_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    max_tokens = table.Column<int>(type: "INTEGER", nullable: false),
                    total_tokens = table.Column<int>(type: "INTEGER", nullable: false),
                    parts = table.Column<int>(type: "INTEGER", nullable: false),
                    artifacts_resolved = table.Column<int>(type: "INTEGER", nullable: false),
                    left_out = table.Column<int>(type: "INTEGER", nullable: false),
                    budget_exceeded = table.Column<bool>(type: "INTEGER", nullable: false),
                    cache_hit = table.Column<bool>(type: "INTEGER", nullable: false),
                    took_ms = table.Column<int>(type: "INTEGER", nullable: false),
                    bundle_json = table.Column<string>(type: "TEXT", nullable: true),
                    cached_from_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_context_requests", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_context_requests_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_context_profiles_tenant_id_agent_id",
                table: "context_profiles",
                columns: new[] { "tenant_id", "agent_id" });

            migrationBuilder.CreateIndex(
                name: "ix_context_profiles_tenant_id_name",
                table: "context_profiles",
                columns: new[] { "tenant_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_context_requests_tenant_id_work_item_id_inputs_hash",
                table: "context_requests",
                columns: new[] { "tenant_id", "work_item_id", "inputs_hash" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "context_profiles");

            migrationBuilder.DropTable(
                name: "context_requests");
        }
    }
}
