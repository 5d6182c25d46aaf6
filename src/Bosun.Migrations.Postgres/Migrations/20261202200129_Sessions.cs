using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Sessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "outcome",
                table: "agent_sessions",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "quality_score",
                table: "agent_sessions",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_agent_sessions_tenant_id_outcome",
                table: "agent_sessions",
                columns: new[] { "tenant_id", "outcome" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_agent_sessions_tenant_id_outcome",
                table: "agent_sessions");

            migrationBuilder.DropColumn(
                name: "outcome",
                table: "agent_sessions");

            migrationBuilder.DropColumn(
                name: "quality_score",
                table: "agent_sessions");
        }
    }
}
