using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Vault : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "secrets",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    value_sealed = table.Column<string>(type: "TEXT", maxLength: 21898, nullable: true),
                    data_key_sealed = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    key_id = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_used_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_checked_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    value_set_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    archived_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_secrets", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_secrets_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_secrets_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "secret_accesses",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    secret_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    secret_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    actor_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    actor_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    run_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    via = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_secret_accesses", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_secret_accesses_secrets_tenant_id_secret_id",
                        columns: x => new { x.tenant_id, x.secret_id },
                        principalTable: "secrets",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "secret_bindings",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    secret_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    subject_ref = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_secret_bindings", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_secret_bindings_secrets_tenant_id_secret_id",
                        columns: x => new { x.tenant_id, x.secret_id },
                        principalTable: "secrets",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_secret_accesses_tenant_id_run_id",
                table: "secret_accesses",
                columns: new[] { "tenant_id", "run_id" });

            migrationBuilder.CreateIndex(
                name: "ix_secret_accesses_tenant_id_secret_id_id",
                table: "secret_accesses",
                columns: new[] { "tenant_id", "secret_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_secret_bindings_tenant_id_secret_id_subject_ref",
                table: "secret_bindings",
                columns: new[] { "tenant_id", "secret_id", "subject_ref" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_secrets_key",
                table: "secrets",
                columns: new[] { "key_id", "tenant_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_secrets_project_name",
                table: "secrets",
                columns: new[] { "tenant_id", "project_id", "name" },
                unique: true,
                filter: "project_id IS NOT NULL AND archived_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ux_secrets_tenant_name",
                table: "secrets",
                columns: new[] { "tenant_id", "name" },
                unique: true,
                filter: "project_id IS NULL AND archived_at IS NULL");

            // A read of a secret is a record of what happened: it is never changed afterwards.
            migrationBuilder.Sql("""
                CREATE TRIGGER secret_accesses_immutable BEFORE UPDATE ON secret_accesses
                BEGIN SELECT RAISE(ABORT, 'secret accesses cannot change'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "secret_accesses");

            migrationBuilder.DropTable(
                name: "secret_bindings");

            migrationBuilder.DropTable(
                name: "secrets");
        }
    }
}
