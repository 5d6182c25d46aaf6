using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Bosun.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class LedgerStorage : Migration
    {
        private static readonly string[] TenantTables =
        [
            "llm_calls", "tool_calls", "model_prices", "budgets", "budget_spend", "budget_alerts", "run_costs", "cost_daily",
            "agent_events", "agent_event_rollups", "agent_event_rollup_sessions", "agent_sessions", "session_messages",
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // agent_events becomes a table partitioned by day on occurred_at (part of its primary key), with the
            // same columns EF created. Retention drops whole partitions; the roll-up tables are separate and stay.
            migrationBuilder.Sql("""
                DROP TABLE agent_events;
                CREATE TABLE agent_events (
                    tenant_id character varying(26) NOT NULL,
                    occurred_at timestamp with time zone NOT NULL,
                    id character varying(100) NOT NULL,
                    type character varying(50) NOT NULL,
                    agent_id character varying(100),
                    session_id character varying(100),
                    project_id character varying(100),
                    run_id character varying(100),
                    severity character varying(20) NOT NULL,
                    tags_json text,
                    context_json text,
                    data_json text,
                    metrics_json text,
                    tokens bigint,
                    cost_micros bigint,
                    duration_ms bigint,
                    received_at timestamp with time zone NOT NULL,
                    CONSTRAINT pk_agent_events PRIMARY KEY (tenant_id, occurred_at, id)
                ) PARTITION BY RANGE (occurred_at);
                GRANT SELECT, INSERT, UPDATE, DELETE ON agent_events TO bosun_app;
                """);

            foreach (var table in TenantTables)
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table}
                        USING (tenant_id = current_setting('app.tenant_id', true))
                        WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
                    """);
            }

            migrationBuilder.Sql("""
                REVOKE UPDATE, DELETE, TRUNCATE ON llm_calls, tool_calls FROM bosun_app;
                CREATE TRIGGER llm_calls_append_only BEFORE UPDATE OR DELETE ON llm_calls
                    FOR EACH ROW EXECUTE FUNCTION bosun_refuse_change();
                CREATE TRIGGER tool_calls_append_only BEFORE UPDATE OR DELETE ON tool_calls
                    FOR EACH ROW EXECUTE FUNCTION bosun_refuse_change();
                """);

            // Requests run as bosun_app, which owns no table and so cannot create partitions; this function runs as
            // the owner and does only that. bosun_app may only INSERT into a partition directly (ingest COPYs into the
            // day's partition, and COPY FROM is refused on a table with row-level security); every read goes through
            // the parent, whose policies apply.
            migrationBuilder.Sql("""
                CREATE FUNCTION bosun_ensure_event_partition(day date) RETURNS void
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
                DECLARE
                    name text := 'agent_events_' || to_char(day, 'YYYYMMDD');
                BEGIN
                    IF to_regclass(name) IS NOT NULL THEN
                        RETURN;
                    END IF;
                    EXECUTE format('CREATE TABLE %I PARTITION OF agent_events FOR VALUES FROM (%L) TO (%L)',
                        name, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
                    EXECUTE format('REVOKE ALL ON %I FROM bosun_app', name);
                    EXECUTE format('GRANT INSERT ON %I TO bosun_app', name);
                EXCEPTION WHEN duplicate_table OR unique_violation THEN
                    NULL;
                END $$;
                REVOKE ALL ON FUNCTION bosun_ensure_event_partition(date) FROM PUBLIC;
                GRANT EXECUTE ON FUNCTION bosun_ensure_event_partition(date) TO bosun_app;

                CREATE FUNCTION bosun_drop_event_partitions(cutoff timestamp with time zone) RETURNS integer
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
                DECLARE
                    partition record;
                    dropped integer := 0;
                BEGIN
                    FOR partition IN
                        SELECT c.relname FROM pg_inherits i
                        JOIN pg_class c ON c.oid = i.inhrelid
                        WHERE i.inhparent = 'agent_events'::regclass AND c.relname ~ '^agent_events_[0-9]{8}$'
                    LOOP
                        IF (to_date(right(partition.relname, 8), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff THEN
                            EXECUTE format('DROP TABLE %I', partition.relname);
                            dropped := dropped + 1;
                        END IF;
                    END LOOP;
                    RETURN dropped;
                END $$;
                REVOKE ALL ON FUNCTION bosun_drop_event_partitions(timestamp with time zone) FROM PUBLIC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            throw new NotSupportedException("Bosun migrations are forward-only.");
    }
}
