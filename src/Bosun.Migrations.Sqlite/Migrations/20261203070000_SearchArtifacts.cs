using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Sqlite.Migrations;

/// Artifacts join the search index (see 20261203053000_Search): the title, and the type/key, uri and content as the
/// body, kept current by triggers in the writing transaction.
[DbContext(typeof(BosunDb))]
[Migration("20261203070000_SearchArtifacts")]
public sealed class SearchArtifacts : Migration
{
    private const int MaxText = 200000;
    private static readonly string Body = $"substr({{0}}type || '/' || {{0}}key || ' ' || coalesce({{0}}uri, '') || ' ' || coalesce({{0}}content, ''), 1, {MaxText})";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql($"""
            CREATE TRIGGER artifacts_search_ai AFTER INSERT ON artifacts BEGIN
                INSERT INTO search_entries (tenant_id, kind, source_id, project_id, at, title, body)
                VALUES (new.tenant_id, 'artifact', new.id, new.project_id, new.created_at, substr(new.title, 1, {MaxText}), {string.Format(Body, "new.")});
            END;
            CREATE TRIGGER artifacts_search_au AFTER UPDATE OF type, key, title, uri, content, project_id ON artifacts BEGIN
                UPDATE search_entries SET project_id = new.project_id, title = substr(new.title, 1, {MaxText}), body = {string.Format(Body, "new.")}
                 WHERE tenant_id = new.tenant_id AND kind = 'artifact' AND source_id = new.id;
            END;
            CREATE TRIGGER artifacts_search_ad AFTER DELETE ON artifacts BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND kind = 'artifact' AND source_id = old.id;
            END;

            INSERT INTO search_entries (tenant_id, kind, source_id, project_id, at, title, body)
            SELECT tenant_id, 'artifact', id, project_id, created_at, substr(title, 1, {MaxText}), {string.Format(Body, "")}
              FROM artifacts ORDER BY id;
            """);
    }
}
