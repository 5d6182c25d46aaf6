using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Artifacts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "artifacts",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    content = table.Column<string>(type: "TEXT", nullable: true),
                    uri = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    integration_ref = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    content_sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    token_count = table.Column<int>(type: "INTEGER", nullable: false),
                    encoding = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    metadata_json = table.Column<string>(type: "TEXT", nullable: true),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_artifacts", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_artifacts_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "knowledge_items",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    text = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: false),
                    answer = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    answered_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    answered_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_knowledge_items", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_knowledge_items_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "artifact_dependencies",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    artifact_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    depends_on_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_artifact_dependencies", x => new { x.tenant_id, x.artifact_id, x.depends_on_id });
                    table.ForeignKey(
                        name: "fk_artifact_dependencies_artifacts_tenant_id_artifact_id",
                        columns: x => new { x.tenant_id, x.artifact_id },
                        principalTable: "artifacts",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_artifact_dependencies_artifacts_tenant_id_depends_on_id",
                        columns: x => new { x.tenant_id, x.depends_on_id },
                        principalTable: "artifacts",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "artifact_versions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    artifact_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    content = table.Column<string>(type: "TEXT", nullable: true),
                    uri = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    integration_ref = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    content_sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    token_count = table.Column<int>(type: "INTEGER", nullable: false),
                    encoding = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    author_ref = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_artifact_versions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_artifact_versions_artifacts_tenant_id_artifact_id",
                        columns: x => new { x.tenant_id, x.artifact_id },
                        principalTable: "artifacts",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "work_item_artifacts",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    artifact_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_work_item_artifacts", x => new { x.tenant_id, x.work_item_id, x.artifact_id });
                    table.ForeignKey(
                        name: "fk_work_item_artifacts_artifacts_tenant_id_artifact_id",
                        columns: x => new { x.tenant_id, x.artifact_id },
                        principalTable: "artifacts",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_work_item_artifacts_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_artifact_dependencies_tenant_id_depends_on_id",
                table: "artifact_dependencies",
                columns: new[] { "tenant_id", "depends_on_id" });

            migrationBuilder.CreateIndex(
                name: "ix_artifact_versions_tenant_id_artifact_id_version",
                table: "artifact_versions",
                columns: new[] { "tenant_id", "artifact_id", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_artifacts_tenant_id_project_id_type_key",
                table: "artifacts",
                columns: new[] { "tenant_id", "project_id", "type", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_knowledge_items_tenant_id_work_item_id_id",
                table: "knowledge_items",
                columns: new[] { "tenant_id", "work_item_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_work_item_artifacts_tenant_id_artifact_id",
                table: "work_item_artifacts",
                columns: new[] { "tenant_id", "artifact_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "artifact_dependencies");

            migrationBuilder.DropTable(
                name: "artifact_versions");

            migrationBuilder.DropTable(
                name: "knowledge_items");

            migrationBuilder.DropTable(
                name: "work_item_artifacts");

            migrationBuilder.DropTable(
                name: "artifacts");
        }
    }
}
