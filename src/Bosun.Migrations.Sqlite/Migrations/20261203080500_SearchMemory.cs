using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Sqlite.Migrations;

/// Memory units in the search index as kind `memory` (see docs/search.md and docs/memory.md), kept current by triggers
/// in the same transaction as every write, like the Search migration's. A project's memory carries its project and a
/// work item's its item, so searches narrowed to them find it; the first words of the content are the title, which
/// SQLite's ranking weighs, and the whole content the body.
[DbContext(typeof(BosunDb))]
[Migration("20261203080500_SearchMemory")]
public sealed class SearchMemory : Migration
{
    private const int TitleLength = 200;

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql($"""
            CREATE TRIGGER memory_units_search_ai AFTER INSERT ON memory_units BEGIN
                INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, at, title, body)
                VALUES (new.tenant_id, 'memory', new.id, CASE WHEN new.scope = 'work_item' THEN new.scope_id END,
                        CASE WHEN new.scope = 'project' THEN new.scope_id END, new.created_at, substr(new.content, 1, {TitleLength}), new.content);
            END;
            CREATE TRIGGER memory_units_search_au AFTER UPDATE OF scope, scope_id, content ON memory_units BEGIN
                UPDATE search_entries
                   SET work_item_id = CASE WHEN new.scope = 'work_item' THEN new.scope_id END,
                       project_id = CASE WHEN new.scope = 'project' THEN new.scope_id END,
                       title = substr(new.content, 1, {TitleLength}), body = new.content
                 WHERE tenant_id = new.tenant_id AND kind = 'memory' AND source_id = new.id;
            END;
            CREATE TRIGGER memory_units_search_ad AFTER DELETE ON memory_units BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND kind = 'memory' AND source_id = old.id;
            END;
            """);

        // What a database already holds is indexed once, oldest first.
        migrationBuilder.Sql($"""
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, at, title, body)
            SELECT tenant_id, 'memory', id, CASE WHEN scope = 'work_item' THEN scope_id END, CASE WHEN scope = 'project' THEN scope_id END,
                   created_at, substr(content, 1, {TitleLength}), content
              FROM memory_units ORDER BY id;
            """);
    }
}
