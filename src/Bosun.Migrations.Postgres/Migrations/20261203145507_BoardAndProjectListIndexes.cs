using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class BoardAndProjectListIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_board",
                table: "work_items");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_board",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "status", "position", "id" },
                filter: "archived_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_project_list",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_board",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_project_list",
                table: "work_items");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_board",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "status", "id" });
        }
    }
}
