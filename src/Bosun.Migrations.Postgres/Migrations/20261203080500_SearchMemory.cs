using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres.Migrations;

/// Memory units in the search index as kind `memory` (see docs/search.md and docs/memory.md), kept current by a trigger
/// in the same transaction as every write, like the Search migration's. A project's memory carries its project and a
/// work item's its item, so searches narrowed to them find it; the first words of the content are the title (weight A),
/// the whole content the body (weight B).
[DbContext(typeof(BosunDb))]
[Migration("20261203080500_SearchMemory")]
public sealed class SearchMemory : Migration
{
    private const int TitleLength = 200;

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql($$"""
            CREATE FUNCTION bosun_search_memory() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND kind = 'memory' AND source_id = OLD.id;
                ELSIF TG_OP = 'INSERT' THEN
                    INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, at, title, body)
                    VALUES (NEW.tenant_id, 'memory', NEW.id, CASE WHEN NEW.scope = 'work_item' THEN NEW.scope_id END,
                            CASE WHEN NEW.scope = 'project' THEN NEW.scope_id END, NEW.created_at, left(NEW.content, {{TitleLength}}), NEW.content);
                ELSE
                    UPDATE search_entries
                       SET work_item_id = CASE WHEN NEW.scope = 'work_item' THEN NEW.scope_id END,
                           project_id = CASE WHEN NEW.scope = 'project' THEN NEW.scope_id END,
                           title = left(NEW.content, {{TitleLength}}), body = NEW.content
                     WHERE tenant_id = NEW.tenant_id AND kind = 'memory' AND source_id = NEW.id;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER memory_units_search AFTER INSERT OR DELETE OR UPDATE OF scope, scope_id, content
                ON memory_units FOR EACH ROW EXECUTE FUNCTION bosun_search_memory();
            """);

        // What a database already holds is indexed once, oldest first.
        migrationBuilder.Sql($"""
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, at, title, body)
            SELECT tenant_id, 'memory', id, CASE WHEN scope = 'work_item' THEN scope_id END, CASE WHEN scope = 'project' THEN scope_id END,
                   created_at, left(content, {TitleLength}), content
              FROM memory_units ORDER BY id;
            """);
    }
}
