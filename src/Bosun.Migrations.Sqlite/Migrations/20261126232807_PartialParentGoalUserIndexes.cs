using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class PartialParentGoalUserIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_goal_id",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_runs_tenant_id_user_id",
                table: "runs");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_goal_id",
                table: "work_items",
                columns: new[] { "tenant_id", "goal_id" },
                filter: "goal_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items",
                columns: new[] { "tenant_id", "parent_id" },
                filter: "parent_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_user_id",
                table: "runs",
                columns: new[] { "tenant_id", "user_id" },
                filter: "user_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_goal_id",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_runs_tenant_id_user_id",
                table: "runs");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_goal_id",
                table: "work_items",
                columns: new[] { "tenant_id", "goal_id" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items",
                columns: new[] { "tenant_id", "parent_id" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_user_id",
                table: "runs",
                columns: new[] { "tenant_id", "user_id" });
        }
    }
}
