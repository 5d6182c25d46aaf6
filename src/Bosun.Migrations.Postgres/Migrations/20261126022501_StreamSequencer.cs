using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class StreamSequencer : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Writers insert stream events with a provisional number from this sequence; the sequencer numbers them after
            // the commit (see StreamSequencer). The partial index finds the few events still waiting.
            migrationBuilder.Sql("""
                CREATE SEQUENCE stream_event_order;
                GRANT USAGE ON SEQUENCE stream_event_order TO bosun_app;
                CREATE INDEX ix_stream_events_provisional ON stream_events (tenant_id, seq) WHERE seq < 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX ix_stream_events_provisional;
                DROP SEQUENCE stream_event_order;
                """);
        }
    }
}
