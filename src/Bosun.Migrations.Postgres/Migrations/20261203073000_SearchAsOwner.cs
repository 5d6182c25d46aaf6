using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres.Migrations;

/// The ranked search as a function of the tables' owner. Under row-level security the planner may not use the GIN index
/// for @@ (its function is not leakproof, so it must run after the policy's filter), and a rare word read every row of
/// the table. The function runs as the owner, to whom the policy does not apply, and narrows to the request's tenant
/// itself, from the same app.tenant_id the policy reads: it takes no tenant argument, so a caller cannot ask for another.
/// Each call plans its query for its word (EXECUTE): a common word is found by walking the tenant's newest entries,
/// a rare one through the GIN index, and no single cached plan is quick for both.
[DbContext(typeof(BosunDb))]
[Migration("20261203073000_SearchAsOwner")]
public sealed class SearchAsOwner : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE FUNCTION bosun_search_ranked(q text, kinds text[], projects text[], among integer, lim integer, win integer)
                RETURNS TABLE (id bigint, score real)
                LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
            DECLARE
                tenant text := nullif(current_setting('app.tenant_id', true), '');
            BEGIN
                IF tenant IS NULL THEN
                    RETURN;
                END IF;
                RETURN QUERY EXECUTE $q$
                    WITH recent AS MATERIALIZED (
                        SELECT e.id, e.document FROM search_entries e
                         WHERE e.tenant_id = $1 AND e.document @@ websearch_to_tsquery('english', $2) AND NOT e.archived
                           AND e.id > (SELECT coalesce(max(x.id), 0) FROM search_entries x WHERE x.tenant_id = $1) - $6
                           AND (cardinality($3) = 0 OR e.kind = ANY($3))
                           AND (cardinality($4) = 0 OR e.project_id = ANY($4))
                         ORDER BY e.id DESC LIMIT $5),
                    older AS MATERIALIZED (
                        SELECT e.id, e.document FROM search_entries e
                         WHERE (SELECT count(*) FROM recent) < $5
                           AND e.tenant_id = $1 AND e.document @@ websearch_to_tsquery('english', $2) AND NOT e.archived
                           AND e.id <= (SELECT coalesce(max(x.id), 0) FROM search_entries x WHERE x.tenant_id = $1) - $6
                           AND (cardinality($3) = 0 OR e.kind = ANY($3))
                           AND (cardinality($4) = 0 OR e.project_id = ANY($4))
                         ORDER BY e.id + 0 DESC LIMIT $5)
                    SELECT c.id, ts_rank_cd(c.document, websearch_to_tsquery('english', $2), 1)
                      FROM (SELECT r.id, r.document FROM recent r UNION ALL SELECT o.id, o.document FROM older o ORDER BY 1 DESC LIMIT $5) c
                     ORDER BY 2 DESC, 1 DESC LIMIT $7
                    $q$ USING tenant, q, kinds, projects, among, win, lim;
            END $$;
            REVOKE ALL ON FUNCTION bosun_search_ranked(text, text[], text[], integer, integer, integer) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION bosun_search_ranked(text, text[], text[], integer, integer, integer) TO bosun_app;
            """);
    }
}
