using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class GitHub : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "run_id",
                table: "run_checks",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(26)",
                oldMaxLength: 26);

            migrationBuilder.AddColumn<string>(
                name: "head_sha",
                table: "run_checks",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "pull_request_id",
                table: "run_checks",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source",
                table: "run_checks",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "run");

            migrationBuilder.AddColumn<DateTime>(
                name: "updated_at",
                table: "run_checks",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "github_integrations",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    repositories = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    description = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    secret_sealed = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    secret_prefix = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    done_on_merge = table.Column<bool>(type: "boolean", nullable: false),
                    last_delivery_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_github_integrations", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_github_integrations_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_github_integrations_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "github_pull_requests",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    repository = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    number = table.Column<long>(type: "bigint", nullable: false),
                    title = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    draft = table.Column<bool>(type: "boolean", nullable: false),
                    head_sha = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    head_branch = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    base_branch = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    author = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    merged_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_github_pull_requests", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_github_pull_requests_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_github_pull_requests_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "github_deliveries",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    integration_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    delivery_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    @event = table.Column<string>(name: "event", type: "character varying(50)", maxLength: 50, nullable: false),
                    action = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    repository = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    outcome = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    received_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_github_deliveries", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_github_deliveries_github_integrations_tenant_id_integration",
                        columns: x => new { x.tenant_id, x.integration_id },
                        principalTable: "github_integrations",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_run_checks_tenant_id_pull_request_id_head_sha_name",
                table: "run_checks",
                columns: new[] { "tenant_id", "pull_request_id", "head_sha", "name" },
                unique: true,
                filter: "pull_request_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_github_deliveries_tenant_id_integration_id_delivery_id",
                table: "github_deliveries",
                columns: new[] { "tenant_id", "integration_id", "delivery_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_github_deliveries_tenant_id_integration_id_id",
                table: "github_deliveries",
                columns: new[] { "tenant_id", "integration_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_github_integrations_tenant_id_project_id",
                table: "github_integrations",
                columns: new[] { "tenant_id", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ix_github_pull_requests_tenant_id_project_id",
                table: "github_pull_requests",
                columns: new[] { "tenant_id", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ix_github_pull_requests_tenant_id_repository_head_sha",
                table: "github_pull_requests",
                columns: new[] { "tenant_id", "repository", "head_sha" });

            migrationBuilder.CreateIndex(
                name: "ix_github_pull_requests_tenant_id_repository_number_work_item_",
                table: "github_pull_requests",
                columns: new[] { "tenant_id", "repository", "number", "work_item_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_github_pull_requests_tenant_id_work_item_id_id",
                table: "github_pull_requests",
                columns: new[] { "tenant_id", "work_item_id", "id" });

            migrationBuilder.AddForeignKey(
                name: "fk_run_checks_github_pull_requests_tenant_id_pull_request_id",
                table: "run_checks",
                columns: new[] { "tenant_id", "pull_request_id" },
                principalTable: "github_pull_requests",
                principalColumns: new[] { "tenant_id", "id" },
                onDelete: ReferentialAction.Cascade);

            // Inside a request bosun_app sees only its tenant's rows (as in StoreRules).
            foreach (var table in new[] { "github_integrations", "github_deliveries", "github_pull_requests" })
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
            migrationBuilder.DropForeignKey(
                name: "fk_run_checks_github_pull_requests_tenant_id_pull_request_id",
                table: "run_checks");

            migrationBuilder.DropTable(
                name: "github_deliveries");

            migrationBuilder.DropTable(
                name: "github_pull_requests");

            migrationBuilder.DropTable(
                name: "github_integrations");

            migrationBuilder.DropIndex(
                name: "ix_run_checks_tenant_id_pull_request_id_head_sha_name",
                table: "run_checks");

            migrationBuilder.DropColumn(
                name: "head_sha",
                table: "run_checks");

            migrationBuilder.DropColumn(
                name: "pull_request_id",
                table: "run_checks");

            migrationBuilder.DropColumn(
                name: "source",
                table: "run_checks");

            migrationBuilder.DropColumn(
                name: "updated_at",
                table: "run_checks");

            migrationBuilder.AlterColumn<string>(
                name: "run_id",
                table: "run_checks",
                type: "character varying(26)",
                maxLength: 26,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(26)",
                oldMaxLength: 26,
                oldNullable: true);
        }
    }
}
