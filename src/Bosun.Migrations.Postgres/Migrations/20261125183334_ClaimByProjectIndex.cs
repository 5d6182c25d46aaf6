using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class ClaimByProjectIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_work_items_ready_by_project",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "priority", "id" },
                descending: new[] { false, false, true, false },
                filter: "status = 'ready'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_ready_by_project",
                table: "work_items");
        }
    }
}
