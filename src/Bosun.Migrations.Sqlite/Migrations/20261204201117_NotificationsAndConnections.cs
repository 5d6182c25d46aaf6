using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class NotificationsAndConnections : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "email_verified_at",
                table: "users",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "account_tokens",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    purpose = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    used_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_account_tokens", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_account_tokens_users_tenant_id_user_id",
                        columns: x => new { x.tenant_id, x.user_id },
                        principalTable: "users",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "chat_routes",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    url_sealed = table.Column<string>(type: "TEXT", maxLength: 3000, nullable: false),
                    url_hint = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    kinds = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat_routes", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_chat_routes_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

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
                name: "notification_cursors",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    cursor_seq = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_cursors", x => x.tenant_id);
                    table.ForeignKey(
                        name: "fk_notification_cursors_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "notification_deliveries",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    dedupe_key = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    notification_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    route_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    channel = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    to_address = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    subject = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    body = table.Column<string>(type: "TEXT", nullable: false),
                    confidential = table.Column<bool>(type: "INTEGER", nullable: false),
                    digest_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    delivered_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_deliveries", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_notification_deliveries_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "notification_preferences",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    in_app = table.Column<bool>(type: "INTEGER", nullable: false),
                    email = table.Column<bool>(type: "INTEGER", nullable: false),
                    chat = table.Column<bool>(type: "INTEGER", nullable: false),
                    digest = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_preferences", x => new { x.tenant_id, x.user_id, x.kind });
                    table.ForeignKey(
                        name: "fk_notification_preferences_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "notifications",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    event_seq = table.Column<long>(type: "INTEGER", nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    body = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    link = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    work_item_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    actor_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    listed = table.Column<bool>(type: "INTEGER", nullable: false),
                    read_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notifications", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_notifications_tenants_tenant_id",
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

            migrationBuilder.CreateTable(
                name: "notification_attempts",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    delivery_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    number = table.Column<int>(type: "INTEGER", nullable: false),
                    at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    delivered = table.Column<bool>(type: "INTEGER", nullable: false),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification_attempts", x => new { x.tenant_id, x.delivery_id, x.number });
                    table.ForeignKey(
                        name: "fk_notification_attempts_notification_deliveries_tenant_id_delivery_id",
                        columns: x => new { x.tenant_id, x.delivery_id },
                        principalTable: "notification_deliveries",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_account_tokens_tenant_id_user_id_purpose",
                table: "account_tokens",
                columns: new[] { "tenant_id", "user_id", "purpose" });

            migrationBuilder.CreateIndex(
                name: "ix_account_tokens_token_hash",
                table: "account_tokens",
                column: "token_hash");

            migrationBuilder.CreateIndex(
                name: "ix_chat_routes_tenant_id_project_id",
                table: "chat_routes",
                columns: new[] { "tenant_id", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ix_chat_routes_tenant_id_user_id",
                table: "chat_routes",
                columns: new[] { "tenant_id", "user_id" },
                unique: true,
                filter: "user_id IS NOT NULL");

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

            migrationBuilder.CreateIndex(
                name: "ix_notification_deliveries_due",
                table: "notification_deliveries",
                column: "next_attempt_at",
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_notification_deliveries_tenant_id_dedupe_key",
                table: "notification_deliveries",
                columns: new[] { "tenant_id", "dedupe_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_notification_deliveries_tenant_id_notification_id",
                table: "notification_deliveries",
                columns: new[] { "tenant_id", "notification_id" });

            migrationBuilder.CreateIndex(
                name: "ix_notifications_list",
                table: "notifications",
                columns: new[] { "tenant_id", "user_id", "id" },
                filter: "listed");

            migrationBuilder.CreateIndex(
                name: "ix_notifications_tenant_id_user_id_event_seq",
                table: "notifications",
                columns: new[] { "tenant_id", "user_id", "event_seq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_notifications_unread",
                table: "notifications",
                columns: new[] { "tenant_id", "user_id" },
                filter: "listed AND read_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "account_tokens");

            migrationBuilder.DropTable(
                name: "chat_routes");

            migrationBuilder.DropTable(
                name: "connection_authorizations");

            migrationBuilder.DropTable(
                name: "notification_attempts");

            migrationBuilder.DropTable(
                name: "notification_cursors");

            migrationBuilder.DropTable(
                name: "notification_preferences");

            migrationBuilder.DropTable(
                name: "notifications");

            migrationBuilder.DropTable(
                name: "connections");

            migrationBuilder.DropTable(
                name: "notification_deliveries");

            migrationBuilder.DropColumn(
                name: "email_verified_at",
                table: "users");
        }
    }
}
