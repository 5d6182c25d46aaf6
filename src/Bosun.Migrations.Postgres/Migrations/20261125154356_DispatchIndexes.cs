using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class DispatchIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_ready",
                table: "work_items");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_ready",
                table: "work_items",
                columns: new[] { "tenant_id", "priority", "id" },
                descending: new[] { false, true, false },
                filter: "status = 'ready'");

            migrationBuilder.CreateIndex(
                name: "ux_runs_one_active_per_item",
                table: "runs",
                columns: new[] { "tenant_id", "work_item_id" },
                unique: true,
                filter: "status = 'active'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_ready",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ux_runs_one_active_per_item",
                table: "runs");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_ready",
                table: "work_items",
                columns: new[] { "tenant_id", "priority", "id" },
                filter: "status = 'ready'");
        }
    }
}
