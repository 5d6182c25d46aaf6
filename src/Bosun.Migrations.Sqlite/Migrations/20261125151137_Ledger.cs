using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Ledger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "agent_event_rollup_sessions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    hour = table.Column<DateTime>(type: "TEXT", nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    session_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agent_event_rollup_sessions", x => new { x.tenant_id, x.hour, x.project_id, x.agent_id, x.type, x.session_id });
                });

            migrationBuilder.CreateTable(
                name: "agent_event_rollups",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    hour = table.Column<DateTime>(type: "TEXT", nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    events = table.Column<long>(type: "INTEGER", nullable: false),
                    sessions = table.Column<long>(type: "INTEGER", nullable: false),
                    tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cost_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    duration_sum_ms = table.Column<long>(type: "INTEGER", nullable: false),
                    duration_count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agent_event_rollups", x => new { x.tenant_id, x.hour, x.project_id, x.agent_id, x.type });
                });

            migrationBuilder.CreateTable(
                name: "agent_events",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    session_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    run_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    severity = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    tags_json = table.Column<string>(type: "TEXT", nullable: true),
                    context_json = table.Column<string>(type: "TEXT", nullable: true),
                    data_json = table.Column<string>(type: "TEXT", nullable: true),
                    metrics_json = table.Column<string>(type: "TEXT", nullable: true),
                    tokens = table.Column<long>(type: "INTEGER", nullable: true),
                    cost_micros = table.Column<long>(type: "INTEGER", nullable: true),
                    duration_ms = table.Column<long>(type: "INTEGER", nullable: true),
                    received_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agent_events", x => new { x.tenant_id, x.occurred_at, x.id });
                });

            migrationBuilder.CreateTable(
                name: "agent_sessions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    source = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    parent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    machine = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    workspace_path = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    git_branch = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    message_count = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agent_sessions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_agent_sessions_agent_sessions_tenant_id_parent_id",
                        columns: x => new { x.tenant_id, x.parent_id },
                        principalTable: "agent_sessions",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "budget_alerts",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    dedupe_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    budget_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    level = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    window_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    amount_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    spent_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    approval_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_budget_alerts", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "budgets",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    scope = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    scope_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    window = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    amount_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    warn_percent = table.Column<int>(type: "INTEGER", nullable: false),
                    action = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_budgets", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "cost_daily",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    day = table.Column<DateTime>(type: "TEXT", nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    billing_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    calls = table.Column<long>(type: "INTEGER", nullable: false),
                    input_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    output_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cache_read_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cache_write_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    reasoning_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cost_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    list_cost_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    unpriced_calls = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_cost_daily", x => new { x.tenant_id, x.day, x.project_id, x.agent_id, x.work_item_id, x.model, x.billing_type });
                });

            migrationBuilder.CreateTable(
                name: "model_prices",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    match_patterns = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    effective_from = table.Column<DateTime>(type: "TEXT", nullable: false),
                    input_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: false),
                    output_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: false),
                    cache_read_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: true),
                    cache_write_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: true),
                    long_context_threshold = table.Column<long>(type: "INTEGER", nullable: true),
                    long_input_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: true),
                    long_output_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: true),
                    long_cache_read_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: true),
                    long_cache_write_micros_per_mtok = table.Column<long>(type: "INTEGER", nullable: true),
                    source = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_prices", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "run_costs",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    run_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    calls = table.Column<long>(type: "INTEGER", nullable: false),
                    input_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    output_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cache_read_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cache_write_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cost_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    list_cost_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    unpriced_calls = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_costs", x => new { x.tenant_id, x.run_id });
                    table.ForeignKey(
                        name: "fk_run_costs_runs_tenant_id_run_id",
                        columns: x => new { x.tenant_id, x.run_id },
                        principalTable: "runs",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "tool_calls",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    run_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    tool_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    method = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    input_summary = table.Column<string>(type: "TEXT", nullable: true),
                    output_summary = table.Column<string>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    error = table.Column<string>(type: "TEXT", nullable: true),
                    duration_ms = table.Column<long>(type: "INTEGER", nullable: true),
                    called_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tool_calls", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_tool_calls_runs_tenant_id_run_id",
                        columns: x => new { x.tenant_id, x.run_id },
                        principalTable: "runs",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "llm_calls",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    run_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    session_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    provider = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    input_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    output_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cache_read_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cache_write_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    reasoning_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    duration_ms = table.Column<long>(type: "INTEGER", nullable: true),
                    prompt_sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    response_sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    prompt_text = table.Column<string>(type: "TEXT", nullable: true),
                    response_text = table.Column<string>(type: "TEXT", nullable: true),
                    billing_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    cost_basis = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    cost_micros = table.Column<long>(type: "INTEGER", nullable: true),
                    list_cost_micros = table.Column<long>(type: "INTEGER", nullable: true),
                    price_ref = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    called_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_llm_calls", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_llm_calls_agent_sessions_tenant_id_session_id",
                        columns: x => new { x.tenant_id, x.session_id },
                        principalTable: "agent_sessions",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_llm_calls_runs_tenant_id_run_id",
                        columns: x => new { x.tenant_id, x.run_id },
                        principalTable: "runs",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "session_messages",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    session_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    seq = table.Column<int>(type: "INTEGER", nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    role = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    text = table.Column<string>(type: "TEXT", nullable: true),
                    text_length = table.Column<int>(type: "INTEGER", nullable: false),
                    tool_uses_json = table.Column<string>(type: "TEXT", nullable: true),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_session_messages", x => new { x.tenant_id, x.session_id, x.seq });
                    table.ForeignKey(
                        name: "fk_session_messages_agent_sessions_tenant_id_session_id",
                        columns: x => new { x.tenant_id, x.session_id },
                        principalTable: "agent_sessions",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "budget_spend",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    budget_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    window_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    spent_micros = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_budget_spend", x => new { x.tenant_id, x.budget_id, x.window_start });
                    table.ForeignKey(
                        name: "fk_budget_spend_budgets_tenant_id_budget_id",
                        columns: x => new { x.tenant_id, x.budget_id },
                        principalTable: "budgets",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_agent_sessions_tenant_id_parent_id",
                table: "agent_sessions",
                columns: new[] { "tenant_id", "parent_id" });

            migrationBuilder.CreateIndex(
                name: "ix_agent_sessions_tenant_id_source_external_id",
                table: "agent_sessions",
                columns: new[] { "tenant_id", "source", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_agent_sessions_tenant_id_started_at",
                table: "agent_sessions",
                columns: new[] { "tenant_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_budget_alerts_tenant_id_budget_id",
                table: "budget_alerts",
                columns: new[] { "tenant_id", "budget_id" });

            migrationBuilder.CreateIndex(
                name: "ix_budget_alerts_tenant_id_dedupe_key",
                table: "budget_alerts",
                columns: new[] { "tenant_id", "dedupe_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_budgets_tenant_id_scope_scope_id",
                table: "budgets",
                columns: new[] { "tenant_id", "scope", "scope_id" });

            migrationBuilder.CreateIndex(
                name: "ix_llm_calls_tenant_id_called_at",
                table: "llm_calls",
                columns: new[] { "tenant_id", "called_at" });

            migrationBuilder.CreateIndex(
                name: "ix_llm_calls_tenant_id_external_id",
                table: "llm_calls",
                columns: new[] { "tenant_id", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_llm_calls_tenant_id_run_id",
                table: "llm_calls",
                columns: new[] { "tenant_id", "run_id" });

            migrationBuilder.CreateIndex(
                name: "ix_llm_calls_tenant_id_session_id",
                table: "llm_calls",
                columns: new[] { "tenant_id", "session_id" });

            migrationBuilder.CreateIndex(
                name: "ix_llm_calls_unpriced",
                table: "llm_calls",
                columns: new[] { "tenant_id", "model" },
                filter: "list_cost_micros IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_model_prices_tenant_id_model_effective_from",
                table: "model_prices",
                columns: new[] { "tenant_id", "model", "effective_from" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_run_costs_tenant_id_work_item_id_agent_id",
                table: "run_costs",
                columns: new[] { "tenant_id", "work_item_id", "agent_id" });

            migrationBuilder.CreateIndex(
                name: "ix_tool_calls_tenant_id_external_id",
                table: "tool_calls",
                columns: new[] { "tenant_id", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tool_calls_tenant_id_run_id_called_at",
                table: "tool_calls",
                columns: new[] { "tenant_id", "run_id", "called_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "agent_event_rollup_sessions");

            migrationBuilder.DropTable(
                name: "agent_event_rollups");

            migrationBuilder.DropTable(
                name: "agent_events");

            migrationBuilder.DropTable(
                name: "budget_alerts");

            migrationBuilder.DropTable(
                name: "budget_spend");

            migrationBuilder.DropTable(
                name: "cost_daily");

            migrationBuilder.DropTable(
                name: "llm_calls");

            migrationBuilder.DropTable(
                name: "model_prices");

            migrationBuilder.DropTable(
                name: "run_costs");

            migrationBuilder.DropTable(
                name: "session_messages");

            migrationBuilder.DropTable(
                name: "tool_calls");

            migrationBuilder.DropTable(
                name: "budgets");

            migrationBuilder.DropTable(
                name: "agent_sessions");
        }
    }
}
