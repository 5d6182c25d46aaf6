using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Rules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "depth",
                table: "stream_events",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "inbound_triggers",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    target_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    target_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    secret_sealed = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    secret_prefix = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    last_called_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_inbound_triggers", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_inbound_triggers_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "rules",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    @event = table.Column<string>(name: "event", type: "TEXT", maxLength: 50, nullable: false),
                    project_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: true),
                    item_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    label = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    from_status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    to_status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    actions_json = table.Column<string>(type: "TEXT", nullable: false),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    preset = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    cursor_seq = table.Column<long>(type: "INTEGER", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rules", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_rules_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "inbound_calls",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    trigger_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    signature = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    received_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_inbound_calls", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_inbound_calls_inbound_triggers_tenant_id_trigger_id",
                        columns: x => new { x.tenant_id, x.trigger_id },
                        principalTable: "inbound_triggers",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "rule_actions",
                columns: table => new
                {
                    tenant_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    rule_id = table.Column<string>(type: "TEXT", maxLength: 26, nullable: false),
                    source = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    event_seq = table.Column<long>(type: "INTEGER", nullable: true),
                    event_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    action_index = table.Column<int>(type: "INTEGER", nullable: false),
                    action_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    depth = table.Column<int>(type: "INTEGER", nullable: false),
                    variables_json = table.Column<string>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    result_json = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rule_actions", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "fk_rule_actions_rules_tenant_id_rule_id",
                        columns: x => new { x.tenant_id, x.rule_id },
                        principalTable: "rules",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_inbound_calls_received_at",
                table: "inbound_calls",
                column: "received_at");

            migrationBuilder.CreateIndex(
                name: "ix_inbound_calls_tenant_id_trigger_id_signature",
                table: "inbound_calls",
                columns: new[] { "tenant_id", "trigger_id", "signature" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_inbound_triggers_tenant_id_target_type_target_id",
                table: "inbound_triggers",
                columns: new[] { "tenant_id", "target_type", "target_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_rule_actions_due",
                table: "rule_actions",
                column: "next_attempt_at",
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_rule_actions_tenant_id_rule_id_id",
                table: "rule_actions",
                columns: new[] { "tenant_id", "rule_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_rule_actions_tenant_id_rule_id_source_action_index",
                table: "rule_actions",
                columns: new[] { "tenant_id", "rule_id", "source", "action_index" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "inbound_calls");

            migrationBuilder.DropTable(
                name: "rule_actions");

            migrationBuilder.DropTable(
                name: "inbound_triggers");

            migrationBuilder.DropTable(
                name: "rules");

            migrationBuilder.DropColumn(
                name: "depth",
                table: "stream_events");
        }
    }
}
