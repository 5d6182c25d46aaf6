using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class HumanInput : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "answers_json",
                table: "work_items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "item_forms",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    definition_json = table.Column<string>(type: "TEXT", nullable: false),
                    one_shot = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_item_forms", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_item_forms_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "submissions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    form_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    idempotency_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    values_json = table.Column<string>(type: "TEXT", nullable: false),
                    bindings_json = table.Column<string>(type: "TEXT", nullable: false),
                    submitted_by_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    submitted_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_submissions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_submissions_item_forms_tenant_id_form_id",
                        columns: x => new { x.tenant_id, x.form_id },
                        principalTable: "item_forms",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_submissions_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "questions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    asking_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    asking_run_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    asked_by_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    to_ref = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    text = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    blocking = table.Column<bool>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    on_expiry = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    default_answer_json = table.Column<string>(type: "TEXT", nullable: true),
                    escalated_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    answer_json = table.Column<string>(type: "TEXT", nullable: true),
                    answered_by_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    answered_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    submission_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_questions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_questions_runs_tenant_id_asking_run_id",
                        columns: x => new { x.tenant_id, x.asking_run_id },
                        principalTable: "runs",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_questions_submissions_tenant_id_submission_id",
                        columns: x => new { x.tenant_id, x.submission_id },
                        principalTable: "submissions",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_questions_work_items_tenant_id_asking_item_id",
                        columns: x => new { x.tenant_id, x.asking_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_questions_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_item_forms_tenant_id_work_item_id",
                table: "item_forms",
                columns: new[] { "tenant_id", "work_item_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_questions_expiring",
                table: "questions",
                column: "expires_at",
                filter: "status = 'open' AND expires_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_questions_open",
                table: "questions",
                columns: new[] { "tenant_id", "status", "to_ref" },
                filter: "status = 'open'");

            migrationBuilder.CreateIndex(
                name: "ix_questions_tenant_id_asking_item_id_id",
                table: "questions",
                columns: new[] { "tenant_id", "asking_item_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_questions_tenant_id_asking_run_id",
                table: "questions",
                columns: new[] { "tenant_id", "asking_run_id" });

            migrationBuilder.CreateIndex(
                name: "ix_questions_tenant_id_submission_id",
                table: "questions",
                columns: new[] { "tenant_id", "submission_id" });

            migrationBuilder.CreateIndex(
                name: "ix_questions_tenant_id_work_item_id",
                table: "questions",
                columns: new[] { "tenant_id", "work_item_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_submissions_tenant_id_form_id",
                table: "submissions",
                columns: new[] { "tenant_id", "form_id" });

            migrationBuilder.CreateIndex(
                name: "ix_submissions_tenant_id_idempotency_key",
                table: "submissions",
                columns: new[] { "tenant_id", "idempotency_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_submissions_tenant_id_work_item_id_id",
                table: "submissions",
                columns: new[] { "tenant_id", "work_item_id", "id" });

            // A submission is what a person answered: it is never changed afterwards.
            migrationBuilder.Sql("""
                CREATE TRIGGER submissions_immutable BEFORE UPDATE ON submissions
                BEGIN SELECT RAISE(ABORT, 'submissions cannot change'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "questions");

            migrationBuilder.DropTable(
                name: "submissions");

            migrationBuilder.DropTable(
                name: "item_forms");

            migrationBuilder.DropColumn(
                name: "answers_json",
                table: "work_items");
        }
    }
}
