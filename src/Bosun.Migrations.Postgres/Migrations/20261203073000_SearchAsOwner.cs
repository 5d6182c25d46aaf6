using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres.Migrations;

/// The ranked search as a function of the tables' owner. Under row-level security the planner may not use the GIN index
/// for @@ (its function is not leakproof, so it must run after the policy's filter), and a rare word read every row of
/// the table. The function runs as the owner, to whom the policy does not apply, and narrows to the request's tenant
/// itself, from the same app.tenant_id the policy reads: it takes no tenant argument, so a caller cannot ask for another.
/// Each call plans its query for its word (EXECUTE of a text with the values quoted in, as literals, so the planner
/// weighs the word itself: parameters it would plan blind): a common word is found by walking the tenant's newest
/// entries, a rare one through the GIN index, and no single cached plan is quick for both. No parallel workers: starting
/// them for the older entries' scan, even one that never runs, took 11 ms of a 15 ms search.
[DbContext(typeof(BosunDb))]
[Migration("20261203073000_SearchAsOwner")]
public sealed class SearchAsOwner : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE FUNCTION bosun_search_ranked(q text, kinds text[], projects text[], among integer, lim integer, win integer)
                RETURNS TABLE (id bigint, score real)
                LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_catalog SET max_parallel_workers_per_gather = 0 AS $$
            DECLARE
                tenant text := nullif(current_setting('app.tenant_id', true), '');
            BEGIN
                IF tenant IS NULL THEN
                    RETURN;
                END IF;
                RETURN QUERY EXECUTE format($q$
                    WITH recent AS MATERIALIZED (
                        SELECT e.id, e.document FROM search_entries e
                         WHERE e.tenant_id = %1$L AND e.document @@ websearch_to_tsquery('english', %2$L) AND NOT e.archived
                           AND e.id > (SELECT coalesce(max(x.id), 0) FROM search_entries x WHERE x.tenant_id = %1$L) - %6$s
                           AND (cardinality(%3$L::text[]) = 0 OR e.kind = ANY(%3$L::text[]))
                           AND (cardinality(%4$L::text[]) = 0 OR e.project_id = ANY(%4$L::text[]))
                         ORDER BY e.id DESC LIMIT %5$s),
                    older AS MATERIALIZED (
                        SELECT e.id, e.document FROM search_entries e
                         WHERE (SELECT count(*) FROM recent) < %5$s
                           AND e.tenant_id = %1$L AND e.document @@ websearch_to_tsquery('english', %2$L) AND NOT e.archived
                           AND e.id <= (SELECT coalesce(max(x.id), 0) FROM search_entries x WHERE x.tenant_id = %1$L) - %6$s
                           AND (cardinality(%3$L::text[]) = 0 OR e.kind = ANY(%3$L::text[]))
                           AND (cardinality(%4$L::text[]) = 0 OR e.project_id = ANY(%4$L::text[]))
                         ORDER BY e.id + 0 DESC LIMIT %5$s)
                    SELECT c.id, ts_rank_cd(c.document, websearch_to_tsquery('english', %2$L), 1)
                      FROM (SELECT r.id, r.document FROM recent r UNION ALL SELECT o.id, o.document FROM older o ORDER BY 1 DESC LIMIT %5$s) c
                     ORDER BY 2 DESC, 1 DESC LIMIT %7$s
                    $q$, tenant, q, kinds, projects, among, win, lim);
            END $$;
            REVOKE ALL ON FUNCTION bosun_search_ranked(text, text[], text[], integer, integer, integer) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION bosun_search_ranked(text, text[], text[], integer, integer, integer) TO bosun_app;
            """);
    }
}
