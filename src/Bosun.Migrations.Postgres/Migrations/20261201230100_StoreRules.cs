using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres.Migrations;

/// What the model cannot say about the PostgreSQL store: the request role and its grants, row-level security, the
/// append-only ledgers, the day-partitioned agent events and the stream sequencer. Written by hand, so it carries no
/// model snapshot of its own; later model changes get generated migrations after it.
[DbContext(typeof(BosunDb))]
[Migration("20261201230100_StoreRules")]
public sealed class StoreRules : Migration
{
    private static readonly string[] TenantTables =
    [
        "users", "invitations", "agents", "agent_projects", "api_tokens", "projects", "goals",
        "work_items", "work_item_labels", "work_item_dependencies", "comments", "runs",
        "audit_entries", "idempotency_records", "approvals",
        "llm_calls", "tool_calls", "model_prices", "budgets", "budget_spend", "budget_alerts", "run_costs", "cost_daily",
        "agent_events", "agent_event_rollups", "agent_event_rollup_sessions", "agent_sessions", "session_messages",
        "web_sessions", "stream_events", "stream_heads", "webhooks", "webhook_deliveries",
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        // Requests run as bosun_app (SET LOCAL ROLE per transaction). It owns nothing and has no
        // BYPASSRLS, so the policies below apply to it; Bosun's own maintenance runs as the owner.
        migrationBuilder.Sql("""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bosun_app') THEN
                    CREATE ROLE bosun_app NOLOGIN;
                END IF;
            END $$;
            GRANT bosun_app TO CURRENT_USER;
            GRANT USAGE ON SCHEMA public TO bosun_app;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bosun_app;
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO bosun_app;
            """);

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

        // Inside a request bosun_app sees only its tenant's rows. Web sessions are found by cookie hash before the
        // tenant is known, as the owner.
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
            ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON tenants
                USING (id = current_setting('app.tenant_id', true))
                WITH CHECK (id = current_setting('app.tenant_id', true));
            """);

        // The audit log and the call ledgers are append-only; requests only ever append stream events, and
        // retention deletes them as the owner.
        migrationBuilder.Sql("""
            CREATE FUNCTION bosun_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END $$;

            REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries, llm_calls, tool_calls, stream_events FROM bosun_app;
            CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION bosun_refuse_change();
            CREATE TRIGGER llm_calls_append_only BEFORE UPDATE OR DELETE ON llm_calls
                FOR EACH ROW EXECUTE FUNCTION bosun_refuse_change();
            CREATE TRIGGER tool_calls_append_only BEFORE UPDATE OR DELETE ON tool_calls
                FOR EACH ROW EXECUTE FUNCTION bosun_refuse_change();

            CREATE FUNCTION bosun_refuse_ended_run_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.ended_at IS NOT NULL THEN
                    RAISE EXCEPTION 'run % has ended and cannot change', OLD.id USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER runs_immutable_once_ended BEFORE UPDATE OR DELETE ON runs
                FOR EACH ROW EXECUTE FUNCTION bosun_refuse_ended_run_change();
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

        // Writers insert stream events with a provisional number from this sequence; the sequencer numbers them after
        // the commit (see StreamSequencer). The partial index finds the few events still waiting.
        migrationBuilder.Sql("""
            CREATE SEQUENCE stream_event_order;
            GRANT USAGE ON SEQUENCE stream_event_order TO bosun_app;
            CREATE INDEX ix_stream_events_provisional ON stream_events (tenant_id, seq) WHERE seq < 0;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder) =>
        throw new NotSupportedException("Bosun migrations are forward-only.");
}
