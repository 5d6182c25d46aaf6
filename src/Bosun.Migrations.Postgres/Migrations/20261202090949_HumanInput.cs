using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
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
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "item_forms",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    definition_json = table.Column<string>(type: "text", nullable: false),
                    one_shot = table.Column<bool>(type: "boolean", nullable: false),
                    created_by = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    form_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    idempotency_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    values_json = table.Column<string>(type: "text", nullable: false),
                    bindings_json = table.Column<string>(type: "text", nullable: false),
                    submitted_by_ref = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    submitted_by_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    tenant_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    asking_item_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: false),
                    asking_run_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    asked_by_ref = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    to_ref = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    text = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    blocking = table.Column<bool>(type: "boolean", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    on_expiry = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    default_answer_json = table.Column<string>(type: "text", nullable: true),
                    escalated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    answer_json = table.Column<string>(type: "text", nullable: true),
                    answered_by_ref = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    answered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    submission_id = table.Column<string>(type: "character varying(26)", maxLength: 26, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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

            // Inside a request bosun_app sees only its tenant's rows (as in StoreRules).
            foreach (var table in new[] { "item_forms", "submissions", "questions" })
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table}
                        USING (tenant_id = current_setting('app.tenant_id', true))
                        WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                    """);
            }

            // A submission is what a person answered: it is never changed afterwards.
            migrationBuilder.Sql("""
                CREATE FUNCTION bosun_refuse_submission_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'submissions cannot change';
                END $$;
                CREATE TRIGGER submissions_immutable BEFORE UPDATE ON submissions
                    FOR EACH ROW EXECUTE FUNCTION bosun_refuse_submission_change();
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
