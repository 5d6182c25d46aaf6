using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres.Migrations;

/// Artifacts join the search index (see 20261203053000_Search): the title, and the type/key, uri and content as the
/// body, kept current by a trigger in the writing transaction.
[DbContext(typeof(BosunDb))]
[Migration("20261203070000_SearchArtifacts")]
public sealed class SearchArtifacts : Migration
{
    private const int MaxText = 200000;
    private static readonly string Body = $"left({{0}}type || '/' || {{0}}key || ' ' || coalesce({{0}}uri, '') || ' ' || coalesce({{0}}content, ''), {MaxText})";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql($$"""
            CREATE FUNCTION bosun_search_artifact() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND kind = 'artifact' AND source_id = OLD.id;
                ELSIF TG_OP = 'INSERT' THEN
                    INSERT INTO search_entries (tenant_id, kind, source_id, project_id, at, title, body)
                    VALUES (NEW.tenant_id, 'artifact', NEW.id, NEW.project_id, NEW.created_at, left(NEW.title, {{MaxText}}), {{string.Format(Body, "NEW.")}});
                ELSE
                    UPDATE search_entries SET project_id = NEW.project_id, title = left(NEW.title, {{MaxText}}), body = {{string.Format(Body, "NEW.")}}
                     WHERE tenant_id = NEW.tenant_id AND kind = 'artifact' AND source_id = NEW.id;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER artifacts_search AFTER INSERT OR DELETE OR UPDATE OF type, key, title, uri, content, project_id
                ON artifacts FOR EACH ROW EXECUTE FUNCTION bosun_search_artifact();

            INSERT INTO search_entries (tenant_id, kind, source_id, project_id, at, title, body)
            SELECT tenant_id, 'artifact', id, project_id, created_at, left(title, {{MaxText}}), {{string.Format(Body, "")}}
              FROM artifacts ORDER BY id;
            """);
    }
}
