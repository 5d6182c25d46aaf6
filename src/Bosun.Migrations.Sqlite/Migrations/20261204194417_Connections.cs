using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Connections : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "connections",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    secret_names = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    scopes = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    authorize_url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    token_url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    client_id = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    token_auth = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    external_url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    owner_user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    connected_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    refreshed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    revoked_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    refreshing_until = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_connections", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_connections_projects_tenant_id_project_id",
                        columns: x => new { x.tenant_id, x.project_id },
                        principalTable: "projects",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_connections_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "connection_authorizations",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    connection_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    state_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    verifier_sealed = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    redirect_uri = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    used_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_connection_authorizations", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_connection_authorizations_connections_tenant_id_connection_id",
                        columns: x => new { x.tenant_id, x.connection_id },
                        principalTable: "connections",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_connection_authorizations_tenant_id_connection_id",
                table: "connection_authorizations",
                columns: new[] { "tenant_id", "connection_id" });

            migrationBuilder.CreateIndex(
                name: "ix_connection_authorizations_tenant_id_state_hash",
                table: "connection_authorizations",
                columns: new[] { "tenant_id", "state_hash" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_connections_expiry",
                table: "connections",
                columns: new[] { "status", "expires_at" });

            migrationBuilder.CreateIndex(
                name: "ix_connections_tenant_id_project_id",
                table: "connections",
                columns: new[] { "tenant_id", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ux_connections_tenant_name",
                table: "connections",
                columns: new[] { "tenant_id", "name" },
                unique: true,
                filter: "revoked_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "connection_authorizations");

            migrationBuilder.DropTable(
                name: "connections");
        }
    }
}
