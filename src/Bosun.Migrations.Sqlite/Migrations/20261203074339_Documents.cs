using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Documents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "documents",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    mime_type = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    sniffed_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    revision = table.Column<int>(type: "INTEGER", nullable: false),
                    uploaded_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    uploaded_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    text = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_documents", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_documents_work_items_tenant_id_work_item_id",
                        columns: x => new { x.tenant_id, x.work_item_id },
                        principalTable: "work_items",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_documents_tenant_id_sha256",
                table: "documents",
                columns: new[] { "tenant_id", "sha256" });

            migrationBuilder.CreateIndex(
                name: "ix_documents_tenant_id_work_item_id_name_revision",
                table: "documents",
                columns: new[] { "tenant_id", "work_item_id", "name", "revision" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "documents");
        }
    }
}
