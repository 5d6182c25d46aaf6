using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class PartialAssigneeIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_agent_queue",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_agent_role_queue",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_human_inbox",
                table: "work_items");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_agent_queue",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_agent_id", "status" },
                filter: "assignee_agent_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_agent_role_queue",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_role", "status" },
                filter: "assignee_role IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_human_inbox",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_user_id", "status" },
                filter: "assignee_user_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_agent_queue",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_agent_role_queue",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_human_inbox",
                table: "work_items");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_agent_queue",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_agent_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_agent_role_queue",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_role", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_human_inbox",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_user_id", "status" });
        }
    }
}
