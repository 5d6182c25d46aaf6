using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
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
                name: "idempotency_records",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    request_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    status_code = table.Column<int>(type: "INTEGER", nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    response_body = table.Column<byte[]>(type: "BLOB", nullable: false),
                    location = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_idempotency_records", x => new { x.tenant_id, x.key });
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
                name: "stream_events",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    seq = table.Column<long>(type: "INTEGER", nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    entity_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    work_item_key = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    actor_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    actor_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    changes_json = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stream_events", x => new { x.tenant_id, x.seq });
                });

            migrationBuilder.CreateTable(
                name: "tenants",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    slug = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    plan = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    monthly_spend_cap_micros = table.Column<long>(type: "INTEGER", nullable: true),
                    store_prompt_text = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tenants", x => x.id);
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

            migrationBuilder.CreateTable(
                name: "agents",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    role = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    adapter = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    max_concurrent_runs = table.Column<int>(type: "INTEGER", nullable: false),
                    run_timeout_seconds = table.Column<int>(type: "INTEGER", nullable: false),
                    max_cost_per_work_item_micros = table.Column<long>(type: "INTEGER", nullable: true),
                    failures_before_escalation = table.Column<int>(type: "INTEGER", nullable: false),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    last_heartbeat_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agents", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_agents_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    actor_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    actor_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    action = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    entity_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    changes_json = table.Column<string>(type: "TEXT", nullable: false),
                    request_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_entries", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_audit_entries_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "stream_heads",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    last_seq = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stream_heads", x => x.tenant_id);
                    table.ForeignKey(
                        name: "fk_stream_heads_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    password_hash = table.Column<string>(type: "TEXT", nullable: true),
                    failed_sign_ins = table.Column<int>(type: "INTEGER", nullable: false),
                    locked_until = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_seen_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_users", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_users_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "webhooks",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    event_types = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    secret_sealed = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    secret_prefix = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    cursor_seq = table.Column<long>(type: "INTEGER", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_webhooks", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_webhooks_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "api_tokens",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    prefix = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    created_by = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    revoked_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_used_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_api_tokens", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_api_tokens_agents_tenant_id_agent_id",
                        columns: x => new { x.tenant_id, x.agent_id },
                        principalTable: "agents",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_api_tokens_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_api_tokens_users_tenant_id_user_id",
                        columns: x => new { x.tenant_id, x.user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "invitations",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    invited_by_user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    accepted_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    accepted_user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    revoked_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_invitations", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_invitations_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_invitations_users_tenant_id_accepted_user_id",
                        columns: x => new { x.tenant_id, x.accepted_user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_invitations_users_tenant_id_invited_by_user_id",
                        columns: x => new { x.tenant_id, x.invited_by_user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "projects",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    repository_url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    default_branch = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    lead_user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    next_item_number = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_projects", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_projects_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_projects_users_tenant_id_lead_user_id",
                        columns: x => new { x.tenant_id, x.lead_user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "web_sessions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_web_sessions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_web_sessions_users_tenant_id_user_id",
                        columns: x => new { x.tenant_id, x.user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "webhook_deliveries",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    webhook_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    event_seq = table.Column<long>(type: "INTEGER", nullable: false),
                    event_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    payload_json = table.Column<string>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_status_code = table.Column<int>(type: "INTEGER", nullable: true),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    delivered_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_webhook_deliveries", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_webhook_deliveries_webhooks_tenant_id_webhook_id",
                        columns: x => new { x.tenant_id, x.webhook_id },
                        principalTable: "webhooks",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "agent_projects",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_agent_projects", x => new { x.tenant_id, x.agent_id, x.project_id });
                    table.ForeignKey(
                        name: "fk_agent_projects_agents_tenant_id_agent_id",
                        columns: x => new { x.tenant_id, x.agent_id },
                        principalTable: "agents",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_agent_projects_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "goals",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    metric_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    baseline = table.Column<double>(type: "REAL", nullable: true),
                    target = table.Column<double>(type: "REAL", nullable: true),
                    current_value = table.Column<double>(type: "REAL", nullable: true),
                    target_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    priority = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_goals", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_goals_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "work_items",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    number = table.Column<int>(type: "INTEGER", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    priority = table.Column<int>(type: "INTEGER", nullable: false),
                    assignee_agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    assignee_user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    assignee_role = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    parent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    goal_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    due_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    approval_required = table.Column<bool>(type: "INTEGER", nullable: false),
                    input_json = table.Column<string>(type: "TEXT", nullable: true),
                    output_json = table.Column<string>(type: "TEXT", nullable: true),
                    revision_notes = table.Column<string>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    active_run_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    lease_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    lease_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    checkpoint_json = table.Column<string>(type: "TEXT", nullable: true),
                    created_by = table.Column<string>(type: "TEXT", nullable: true),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_work_items", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_work_items_agents_tenant_id_assignee_agent_id",
                        columns: x => new { x.tenant_id, x.assignee_agent_id },
                        principalTable: "agents",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_work_items_goals_tenant_id_goal_id",
                        columns: x => new { x.tenant_id, x.goal_id },
                        principalTable: "goals",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_work_items_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_work_items_users_tenant_id_assignee_user_id",
                        columns: x => new { x.tenant_id, x.assignee_user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_work_items_work_items_tenant_id_parent_id",
                        columns: x => new { x.tenant_id, x.parent_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "comments",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    author_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    author_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    body = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_comments", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_comments_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "runs",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    lease_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    lease_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    heartbeat_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    progress = table.Column<string>(type: "TEXT", nullable: true),
                    checkpoint_json = table.Column<string>(type: "TEXT", nullable: true),
                    output_json = table.Column<string>(type: "TEXT", nullable: true),
                    summary = table.Column<string>(type: "TEXT", nullable: true),
                    artifacts_json = table.Column<string>(type: "TEXT", nullable: true),
                    error = table.Column<string>(type: "TEXT", nullable: true),
                    retryable = table.Column<bool>(type: "INTEGER", nullable: true),
                    stop_reason = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    cost_micros = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_runs", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_runs_agents_tenant_id_agent_id",
                        columns: x => new { x.tenant_id, x.agent_id },
                        principalTable: "agents",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_runs_users_tenant_id_user_id",
                        columns: x => new { x.tenant_id, x.user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_runs_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "work_item_dependencies",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    depends_on_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_work_item_dependencies", x => new { x.tenant_id, x.work_item_id, x.depends_on_id });
                    table.ForeignKey(
                        name: "fk_work_item_dependencies_work_items_tenant_id_depends_on_id",
                        columns: x => new { x.tenant_id, x.depends_on_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_work_item_dependencies_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "work_item_labels",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    label = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_work_item_labels", x => new { x.tenant_id, x.work_item_id, x.label });
                    table.ForeignKey(
                        name: "fk_work_item_labels_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "approvals",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    subject = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    run_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    requested_by_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    output_json = table.Column<string>(type: "TEXT", nullable: true),
                    summary = table.Column<string>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    decided_by_user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    decision_note = table.Column<string>(type: "TEXT", nullable: true),
                    decided_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_approvals", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_approvals_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_approvals_runs_tenant_id_run_id",
                        columns: x => new { x.tenant_id, x.run_id },
                        principalTable: "runs",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_approvals_users_tenant_id_decided_by_user_id",
                        columns: x => new { x.tenant_id, x.decided_by_user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_approvals_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
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

            migrationBuilder.CreateIndex(
                name: "ix_agent_projects_tenant_id_project_id",
                table: "agent_projects",
                columns: new[] { "tenant_id", "project_id" });

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
                name: "ix_agents_tenant_id_name",
                table: "agents",
                columns: new[] { "tenant_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_agents_tenant_id_role_enabled",
                table: "agents",
                columns: new[] { "tenant_id", "role", "enabled" });

            migrationBuilder.CreateIndex(
                name: "ix_api_tokens_tenant_id_agent_id",
                table: "api_tokens",
                columns: new[] { "tenant_id", "agent_id" });

            migrationBuilder.CreateIndex(
                name: "ix_api_tokens_tenant_id_user_id",
                table: "api_tokens",
                columns: new[] { "tenant_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_api_tokens_token_hash",
                table: "api_tokens",
                column: "token_hash");

            migrationBuilder.CreateIndex(
                name: "ix_approvals_pending",
                table: "approvals",
                columns: new[] { "tenant_id", "status", "id" },
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_approvals_tenant_id_decided_by_user_id",
                table: "approvals",
                columns: new[] { "tenant_id", "decided_by_user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_approvals_tenant_id_project_id",
                table: "approvals",
                columns: new[] { "tenant_id", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ix_approvals_tenant_id_run_id",
                table: "approvals",
                columns: new[] { "tenant_id", "run_id" });

            migrationBuilder.CreateIndex(
                name: "ix_approvals_tenant_id_work_item_id",
                table: "approvals",
                columns: new[] { "tenant_id", "work_item_id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_tenant_id_entity_type_entity_id",
                table: "audit_entries",
                columns: new[] { "tenant_id", "entity_type", "entity_id" });

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
                name: "ix_comments_tenant_id_work_item_id_id",
                table: "comments",
                columns: new[] { "tenant_id", "work_item_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_goals_tenant_id_project_id_status",
                table: "goals",
                columns: new[] { "tenant_id", "project_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_idempotency_records_created_at",
                table: "idempotency_records",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_invitations_tenant_id_accepted_user_id",
                table: "invitations",
                columns: new[] { "tenant_id", "accepted_user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_invitations_tenant_id_invited_by_user_id",
                table: "invitations",
                columns: new[] { "tenant_id", "invited_by_user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_invitations_token_hash",
                table: "invitations",
                column: "token_hash");

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
                name: "ix_projects_tenant_id_key",
                table: "projects",
                columns: new[] { "tenant_id", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_projects_tenant_id_lead_user_id",
                table: "projects",
                columns: new[] { "tenant_id", "lead_user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_run_costs_tenant_id_work_item_id_agent_id",
                table: "run_costs",
                columns: new[] { "tenant_id", "work_item_id", "agent_id" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_agent_id_status",
                table: "runs",
                columns: new[] { "tenant_id", "agent_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_user_id",
                table: "runs",
                columns: new[] { "tenant_id", "user_id" },
                filter: "user_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_work_item_id_attempt",
                table: "runs",
                columns: new[] { "tenant_id", "work_item_id", "attempt" });

            migrationBuilder.CreateIndex(
                name: "ux_runs_one_active_per_item",
                table: "runs",
                columns: new[] { "tenant_id", "work_item_id" },
                unique: true,
                filter: "status = 'active'");

            migrationBuilder.CreateIndex(
                name: "ix_stream_events_created_at",
                table: "stream_events",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_stream_events_tenant_id_project_id_seq",
                table: "stream_events",
                columns: new[] { "tenant_id", "project_id", "seq" });

            migrationBuilder.CreateIndex(
                name: "ix_tenants_slug",
                table: "tenants",
                column: "slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tool_calls_tenant_id_external_id",
                table: "tool_calls",
                columns: new[] { "tenant_id", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tool_calls_tenant_id_run_id_called_at",
                table: "tool_calls",
                columns: new[] { "tenant_id", "run_id", "called_at" });

            migrationBuilder.CreateIndex(
                name: "ix_users_email",
                table: "users",
                column: "email");

            migrationBuilder.CreateIndex(
                name: "ix_users_tenant_id_email",
                table: "users",
                columns: new[] { "tenant_id", "email" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_web_sessions_tenant_id_user_id",
                table: "web_sessions",
                columns: new[] { "tenant_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_web_sessions_token_hash",
                table: "web_sessions",
                column: "token_hash");

            migrationBuilder.CreateIndex(
                name: "ix_webhook_deliveries_due",
                table: "webhook_deliveries",
                column: "next_attempt_at",
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_webhook_deliveries_tenant_id_webhook_id_event_seq",
                table: "webhook_deliveries",
                columns: new[] { "tenant_id", "webhook_id", "event_seq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_webhook_deliveries_tenant_id_webhook_id_id",
                table: "webhook_deliveries",
                columns: new[] { "tenant_id", "webhook_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_work_item_dependencies_tenant_id_depends_on_id",
                table: "work_item_dependencies",
                columns: new[] { "tenant_id", "depends_on_id" });

            migrationBuilder.CreateIndex(
                name: "ix_work_item_labels_tenant_id_label_work_item_id",
                table: "work_item_labels",
                columns: new[] { "tenant_id", "label", "work_item_id" });

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
                name: "ix_work_items_board",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_human_inbox",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_user_id", "status" },
                filter: "assignee_user_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_leases",
                table: "work_items",
                column: "lease_expires_at",
                filter: "lease_expires_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_ready",
                table: "work_items",
                columns: new[] { "tenant_id", "priority", "id" },
                descending: new[] { false, true, false },
                filter: "status = 'ready'");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_ready_by_project",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "priority", "id" },
                descending: new[] { false, false, true, false },
                filter: "status = 'ready'");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_goal_id",
                table: "work_items",
                columns: new[] { "tenant_id", "goal_id" },
                filter: "goal_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_key",
                table: "work_items",
                columns: new[] { "tenant_id", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items",
                columns: new[] { "tenant_id", "parent_id" },
                filter: "parent_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_project_id_number",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "number" },
                unique: true);
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
                name: "agent_projects");

            migrationBuilder.DropTable(
                name: "api_tokens");

            migrationBuilder.DropTable(
                name: "approvals");

            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.DropTable(
                name: "budget_alerts");

            migrationBuilder.DropTable(
                name: "budget_spend");

            migrationBuilder.DropTable(
                name: "comments");

            migrationBuilder.DropTable(
                name: "cost_daily");

            migrationBuilder.DropTable(
                name: "idempotency_records");

            migrationBuilder.DropTable(
                name: "invitations");

            migrationBuilder.DropTable(
                name: "llm_calls");

            migrationBuilder.DropTable(
                name: "model_prices");

            migrationBuilder.DropTable(
                name: "run_costs");

            migrationBuilder.DropTable(
                name: "session_messages");

            migrationBuilder.DropTable(
                name: "stream_events");

            migrationBuilder.DropTable(
                name: "stream_heads");

            migrationBuilder.DropTable(
                name: "tool_calls");

            migrationBuilder.DropTable(
                name: "web_sessions");

            migrationBuilder.DropTable(
                name: "webhook_deliveries");

            migrationBuilder.DropTable(
                name: "work_item_dependencies");

            migrationBuilder.DropTable(
                name: "work_item_labels");

            migrationBuilder.DropTable(
                name: "budgets");

            migrationBuilder.DropTable(
                name: "agent_sessions");

            migrationBuilder.DropTable(
                name: "runs");

            migrationBuilder.DropTable(
                name: "webhooks");

            migrationBuilder.DropTable(
                name: "work_items");

            migrationBuilder.DropTable(
                name: "agents");

            migrationBuilder.DropTable(
                name: "goals");

            migrationBuilder.DropTable(
                name: "projects");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "tenants");
        }
    }
}
