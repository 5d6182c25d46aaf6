using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TokenBudgets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "count_cache_reads",
                table: "budgets",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "max_tokens",
                table: "budgets",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "tokens_only",
                table: "budgets",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "spent_tokens",
                table: "budget_spend",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Windows open at the upgrade count the tokens their scope already used in them, as a budget set now would;
            // earlier windows are history and keep none.
            migrationBuilder.Sql("""
                UPDATE budget_spend SET spent_tokens = (
                    SELECT COALESCE(SUM(d.input_tokens + d.output_tokens + d.cache_write_tokens), 0)
                    FROM cost_daily d JOIN budgets b ON b.tenant_id = d.tenant_id AND b.id = budget_spend.budget_id
                    WHERE d.tenant_id = budget_spend.tenant_id AND d.day >= budget_spend.window_start
                      AND (b.scope = 'tenant' OR (b.scope = 'project' AND d.project_id = b.scope_id)
                           OR (b.scope = 'agent' AND d.agent_id = b.scope_id) OR (b.scope = 'work_item' AND d.work_item_id = b.scope_id)))
                WHERE window_start = (SELECT MAX(s.window_start) FROM budget_spend s
                                      WHERE s.tenant_id = budget_spend.tenant_id AND s.budget_id = budget_spend.budget_id);
                """);

            migrationBuilder.AddColumn<string>(
                name: "limit_kind",
                table: "budget_alerts",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "max_tokens",
                table: "budget_alerts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "spent_tokens",
                table: "budget_alerts",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "count_cache_reads",
                table: "budgets");

            migrationBuilder.DropColumn(
                name: "max_tokens",
                table: "budgets");

            migrationBuilder.DropColumn(
                name: "tokens_only",
                table: "budgets");

            migrationBuilder.DropColumn(
                name: "spent_tokens",
                table: "budget_spend");

            migrationBuilder.DropColumn(
                name: "limit_kind",
                table: "budget_alerts");

            migrationBuilder.DropColumn(
                name: "max_tokens",
                table: "budget_alerts");

            migrationBuilder.DropColumn(
                name: "spent_tokens",
                table: "budget_alerts");
        }
    }
}
