using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "idempotency_records",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    request_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    status_code = table.Column<int>(type: "integer", nullable: false),
                    content_type = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    response_body = table.Column<byte[]>(type: "bytea", nullable: false),
                    location = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_idempotency_records", x => new { x.tenant_id, x.key });
                });

            migrationBuilder.CreateTable(
                name: "tenants",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    slug = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    plan = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    monthly_spend_cap_micros = table.Column<long>(type: "bigint", nullable: true),
                    store_prompt_text = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tenants", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "agents",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    role = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    adapter = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    description = table.Column<string>(type: "text", nullable: true),
                    max_concurrent_runs = table.Column<int>(type: "integer", nullable: false),
                    run_timeout_seconds = table.Column<int>(type: "integer", nullable: false),
                    max_cost_per_work_item_micros = table.Column<long>(type: "bigint", nullable: true),
                    failures_before_escalation = table.Column<int>(type: "integer", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false),
                    last_heartbeat_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    actor_ref = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    actor_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    action = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    entity_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    entity_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    changes_json = table.Column<string>(type: "text", nullable: false),
                    request_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                name: "users",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    password_hash = table.Column<string>(type: "text", nullable: true),
                    failed_sign_ins = table.Column<int>(type: "integer", nullable: false),
                    locked_until = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                name: "api_tokens",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    prefix = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    agent_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    created_by = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    revoked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_used_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    invited_by_user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    accepted_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    accepted_user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    revoked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    key = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    repository_url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    default_branch = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    lead_user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    next_item_number = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                name: "agent_projects",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    agent_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    metric_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    baseline = table.Column<double>(type: "double precision", nullable: true),
                    target = table.Column<double>(type: "double precision", nullable: true),
                    current_value = table.Column<double>(type: "double precision", nullable: true),
                    target_date = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    priority = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    number = table.Column<int>(type: "integer", nullable: false),
                    key = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    priority = table.Column<int>(type: "integer", nullable: false),
                    assignee_agent_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    assignee_user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    assignee_role = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    parent_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    goal_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    due_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    approval_required = table.Column<bool>(type: "boolean", nullable: false),
                    input_json = table.Column<string>(type: "text", nullable: true),
                    output_json = table.Column<string>(type: "text", nullable: true),
                    revision_notes = table.Column<string>(type: "text", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    active_run_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    lease_token = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    lease_expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    checkpoint_json = table.Column<string>(type: "text", nullable: true),
                    created_by = table.Column<string>(type: "text", nullable: true),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    author_ref = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    author_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    body = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    agent_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    lease_token = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    lease_expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    heartbeat_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    progress = table.Column<string>(type: "text", nullable: true),
                    checkpoint_json = table.Column<string>(type: "text", nullable: true),
                    output_json = table.Column<string>(type: "text", nullable: true),
                    summary = table.Column<string>(type: "text", nullable: true),
                    artifacts_json = table.Column<string>(type: "text", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    retryable = table.Column<bool>(type: "boolean", nullable: true),
                    stop_reason = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    cost_micros = table.Column<long>(type: "bigint", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    depends_on_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    label = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    subject = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    run_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    requested_by_ref = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    output_json = table.Column<string>(type: "text", nullable: true),
                    summary = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    decided_by_user_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    decision_note = table.Column<string>(type: "text", nullable: true),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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

            migrationBuilder.CreateIndex(
                name: "ix_agent_projects_tenant_id_project_id",
                table: "agent_projects",
                columns: new[] { "tenant_id", "project_id" });

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
                name: "ix_projects_tenant_id_key",
                table: "projects",
                columns: new[] { "tenant_id", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_projects_tenant_id_lead_user_id",
                table: "projects",
                columns: new[] { "tenant_id", "lead_user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_active_leases",
                table: "runs",
                column: "lease_expires_at",
                filter: "status = 'active'");

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_agent_id_status",
                table: "runs",
                columns: new[] { "tenant_id", "agent_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_user_id",
                table: "runs",
                columns: new[] { "tenant_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_tenant_id_work_item_id_attempt",
                table: "runs",
                columns: new[] { "tenant_id", "work_item_id", "attempt" });

            migrationBuilder.CreateIndex(
                name: "ix_tenants_slug",
                table: "tenants",
                column: "slug",
                unique: true);

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
                columns: new[] { "tenant_id", "assignee_agent_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_agent_role_queue",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_role", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_board",
                table: "work_items",
                columns: new[] { "tenant_id", "project_id", "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_human_inbox",
                table: "work_items",
                columns: new[] { "tenant_id", "assignee_user_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_leases",
                table: "work_items",
                column: "lease_expires_at",
                filter: "lease_expires_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_ready",
                table: "work_items",
                columns: new[] { "tenant_id", "priority", "id" },
                filter: "status = 'ready'");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_goal_id",
                table: "work_items",
                columns: new[] { "tenant_id", "goal_id" });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_key",
                table: "work_items",
                columns: new[] { "tenant_id", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items",
                columns: new[] { "tenant_id", "parent_id" });

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
                name: "agent_projects");

            migrationBuilder.DropTable(
                name: "api_tokens");

            migrationBuilder.DropTable(
                name: "approvals");

            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.DropTable(
                name: "comments");

            migrationBuilder.DropTable(
                name: "idempotency_records");

            migrationBuilder.DropTable(
                name: "invitations");

            migrationBuilder.DropTable(
                name: "work_item_dependencies");

            migrationBuilder.DropTable(
                name: "work_item_labels");

            migrationBuilder.DropTable(
                name: "runs");

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
