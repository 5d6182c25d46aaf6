using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Planning : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items");

            migrationBuilder.AddColumn<DateTime>(
                name: "archived_at",
                table: "work_items",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "close_with_children",
                table: "work_items",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "deliverable_period_id",
                table: "work_items",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "plan_id",
                table: "work_items",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "position",
                table: "work_items",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "",
                collation: "C");

            migrationBuilder.AddColumn<string>(
                name: "step_key",
                table: "work_items",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "template_id",
                table: "work_items",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "template_version",
                table: "work_items",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "archived_at",
                table: "projects",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "archived_at",
                table: "goals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "plan_version_id",
                table: "approvals",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "plans",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    goal_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    kind = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    latest_version = table.Column<int>(type: "integer", nullable: false),
                    active_version = table.Column<int>(type: "integer", nullable: true),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    archived_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_plans", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_plans_goals_tenant_id_goal_id",
                        columns: x => new { x.tenant_id, x.goal_id },
                        principalTable: "goals",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_plans_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_plans_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "project_policies",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    required_checks_json = table.Column<string>(type: "text", nullable: false),
                    allowed_paths_json = table.Column<string>(type: "text", nullable: false),
                    on_failure = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_project_policies", x => new { x.tenant_id, x.project_id });
                    table.ForeignKey(
                        name: "fk_project_policies_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_checks",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    run_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    summary = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_checks", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_run_checks_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_run_checks_runs_tenant_id_run_id",
                        columns: x => new { x.tenant_id, x.run_id },
                        principalTable: "runs",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_run_checks_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "templates",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    current_version = table.Column<int>(type: "integer", nullable: false),
                    source_template_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    source_version = table.Column<int>(type: "integer", nullable: true),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    archived_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_templates", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "deliverables",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    goal_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    plan_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    quantity_per_period = table.Column<int>(type: "integer", nullable: false),
                    period = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    template_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    variables_json = table.Column<string>(type: "text", nullable: true),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    archived_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deliverables", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_deliverables_goals_tenant_id_goal_id",
                        columns: x => new { x.tenant_id, x.goal_id },
                        principalTable: "goals",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_deliverables_plans_tenant_id_plan_id",
                        columns: x => new { x.tenant_id, x.plan_id },
                        principalTable: "plans",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_deliverables_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "plan_versions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    plan_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    body = table.Column<string>(type: "text", nullable: true),
                    steps_json = table.Column<string>(type: "text", nullable: true),
                    source_items_json = table.Column<string>(type: "text", nullable: true),
                    author_ref = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    author_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    approval_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    decision_note = table.Column<string>(type: "text", nullable: true),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    applied_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_plan_versions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_plan_versions_plans_tenant_id_plan_id",
                        columns: x => new { x.tenant_id, x.plan_id },
                        principalTable: "plans",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "template_versions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    template_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    variables_json = table.Column<string>(type: "text", nullable: false),
                    steps_json = table.Column<string>(type: "text", nullable: false),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_template_versions", x => new { x.tenant_id, x.template_id, x.version });
                    table.ForeignKey(
                        name: "fk_template_versions_templates_tenant_id_template_id",
                        columns: x => new { x.tenant_id, x.template_id },
                        principalTable: "templates",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "deliverable_periods",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    deliverable_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    period = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    starts_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    target_count = table.Column<int>(type: "integer", nullable: false),
                    completed_count = table.Column<int>(type: "integer", nullable: false),
                    pipelines_created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deliverable_periods", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_deliverable_periods_deliverables_tenant_id_deliverable_id",
                        columns: x => new { x.tenant_id, x.deliverable_id },
                        principalTable: "deliverables",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_deliverable_period_id_status",
                table: "work_items",
                columns: new[] { "tenant_id", "deliverable_period_id", "status" },
                filter: "deliverable_period_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_parent_id_position",
                table: "work_items",
                columns: new[] { "tenant_id", "parent_id", "position" },
                filter: "parent_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_plan_id",
                table: "work_items",
                columns: new[] { "tenant_id", "plan_id" },
                filter: "plan_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_approvals_tenant_id_plan_version_id",
                table: "approvals",
                columns: new[] { "tenant_id", "plan_version_id" },
                filter: "plan_version_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_deliverable_periods_tenant_id_deliverable_id_period",
                table: "deliverable_periods",
                columns: new[] { "tenant_id", "deliverable_id", "period" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_deliverable_periods_tenant_id_period",
                table: "deliverable_periods",
                columns: new[] { "tenant_id", "period" });

            migrationBuilder.CreateIndex(
                name: "ix_deliverables_active",
                table: "deliverables",
                column: "active",
                filter: "active AND archived_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_deliverables_tenant_id_goal_id",
                table: "deliverables",
                columns: new[] { "tenant_id", "goal_id" });

            migrationBuilder.CreateIndex(
                name: "ix_deliverables_tenant_id_plan_id",
                table: "deliverables",
                columns: new[] { "tenant_id", "plan_id" });

            migrationBuilder.CreateIndex(
                name: "ix_deliverables_tenant_id_project_id",
                table: "deliverables",
                columns: new[] { "tenant_id", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ix_plan_versions_tenant_id_plan_id_version",
                table: "plan_versions",
                columns: new[] { "tenant_id", "plan_id", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_plans_tenant_id_goal_id",
                table: "plans",
                columns: new[] { "tenant_id", "goal_id" },
                filter: "goal_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_plans_tenant_id_project_id_id",
                table: "plans",
                columns: new[] { "tenant_id", "project_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_plans_tenant_id_work_item_id_attempt",
                table: "plans",
                columns: new[] { "tenant_id", "work_item_id", "attempt" },
                descending: new[] { false, false, true },
                filter: "work_item_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_run_checks_tenant_id_project_id_id",
                table: "run_checks",
                columns: new[] { "tenant_id", "project_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_run_checks_tenant_id_run_id",
                table: "run_checks",
                columns: new[] { "tenant_id", "run_id" });

            migrationBuilder.CreateIndex(
                name: "ix_run_checks_tenant_id_work_item_id_id",
                table: "run_checks",
                columns: new[] { "tenant_id", "work_item_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_templates_tenant_id_kind_id",
                table: "templates",
                columns: new[] { "tenant_id", "kind", "id" });

            // Positions start as ids, so existing siblings keep the order they were made in.
            migrationBuilder.Sql("UPDATE work_items SET position = id;");

            // Inside a request bosun_app sees only its tenant's rows (as in StoreRules).
            foreach (var table in new[] { "templates", "template_versions", "plans", "plan_versions", "deliverables", "deliverable_periods", "project_policies", "run_checks" })
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table}
                        USING (tenant_id = current_setting('app.tenant_id', true))
                        WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deliverable_periods");

            migrationBuilder.DropTable(
                name: "plan_versions");

            migrationBuilder.DropTable(
                name: "project_policies");

            migrationBuilder.DropTable(
                name: "run_checks");

            migrationBuilder.DropTable(
                name: "template_versions");

            migrationBuilder.DropTable(
                name: "deliverables");

            migrationBuilder.DropTable(
                name: "templates");

            migrationBuilder.DropTable(
                name: "plans");

            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_deliverable_period_id_status",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_parent_id_position",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_work_items_tenant_id_plan_id",
                table: "work_items");

            migrationBuilder.DropIndex(
                name: "ix_approvals_tenant_id_plan_version_id",
                table: "approvals");

            migrationBuilder.DropColumn(
                name: "archived_at",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "close_with_children",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "deliverable_period_id",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "plan_id",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "position",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "step_key",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "template_id",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "template_version",
                table: "work_items");

            migrationBuilder.DropColumn(
                name: "archived_at",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "archived_at",
                table: "goals");

            migrationBuilder.DropColumn(
                name: "plan_version_id",
                table: "approvals");

            migrationBuilder.CreateIndex(
                name: "ix_work_items_tenant_id_parent_id",
                table: "work_items",
                columns: new[] { "tenant_id", "parent_id" },
                filter: "parent_id IS NOT NULL");
        }
    }
}
