using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class SessionRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "run_id",
                table: "agent_sessions",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_agent_sessions_tenant_id_run_id",
                table: "agent_sessions",
                columns: new[] { "tenant_id", "run_id" });

            migrationBuilder.AddForeignKey(
                name: "fk_agent_sessions_runs_tenant_id_run_id",
                table: "agent_sessions",
                columns: new[] { "tenant_id", "run_id" },
                principalTable: "runs",
                principalColumns: new[] { "tenant_id", "id" },
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_agent_sessions_runs_tenant_id_run_id",
                table: "agent_sessions");

            migrationBuilder.DropIndex(
                name: "ix_agent_sessions_tenant_id_run_id",
                table: "agent_sessions");

            migrationBuilder.DropColumn(
                name: "run_id",
                table: "agent_sessions");
        }
    }
}
