using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Schedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "schedules",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    trigger = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    cron = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    time_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    interval_seconds = table.Column<int>(type: "INTEGER", nullable: true),
                    anchor_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    makes = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    item_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    assignee = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    input_json = table.Column<string>(type: "TEXT", nullable: true),
                    template_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    variables_json = table.Column<string>(type: "TEXT", nullable: true),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    catch_up = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    catch_up_max = table.Column<int>(type: "INTEGER", nullable: false),
                    overlap = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    next_fire_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_fired_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_firing_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    last_status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    failures_in_row = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_schedules", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_schedules_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "schedule_firings",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    schedule_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    fire_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    trigger = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    item_ids_json = table.Column<string>(type: "TEXT", nullable: true),
                    item_keys_json = table.Column<string>(type: "TEXT", nullable: true),
                    actor_ref = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    made_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_schedule_firings", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_schedule_firings_schedules_tenant_id_schedule_id",
                        columns: x => new { x.tenant_id, x.schedule_id },
                        principalTable: "schedules",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_schedule_firings_queued",
                table: "schedule_firings",
                column: "status",
                filter: "status = 'queued'");

            migrationBuilder.CreateIndex(
                name: "ix_schedule_firings_tenant_id_schedule_id_fire_time_trigger",
                table: "schedule_firings",
                columns: new[] { "tenant_id", "schedule_id", "fire_time", "trigger" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_schedule_firings_tenant_id_schedule_id_id",
                table: "schedule_firings",
                columns: new[] { "tenant_id", "schedule_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_schedules_due",
                table: "schedules",
                column: "next_fire_at",
                filter: "active AND next_fire_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_schedules_tenant_id_project_id",
                table: "schedules",
                columns: new[] { "tenant_id", "project_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "schedule_firings");

            migrationBuilder.DropTable(
                name: "schedules");
        }
    }
}
