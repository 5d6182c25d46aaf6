using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Sqlite.Migrations;

/// Documents' text in the search index (see docs/search.md), kept current by triggers as in Search: a document with
/// text is an entry of kind `document` under its work item, titled by its file name. Moving or archiving the item
/// carries its documents' entries along (the work item triggers update every entry of the item), and deleting it
/// removes them.
[DbContext(typeof(BosunDb))]
[Migration("20261203080000_SearchDocuments")]
public sealed class SearchDocuments : Migration
{
    /// As in Search: indexed text is cut here.
    private const int MaxText = 200000;

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql($"""
            CREATE TRIGGER documents_search_ai AFTER INSERT ON documents WHEN coalesce(new.text, '') <> '' BEGIN
                INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
                SELECT new.tenant_id, 'document', new.id, new.work_item_id, w.project_id, w.archived_at IS NOT NULL, new.created_at,
                       substr(new.name, 1, {MaxText}), substr(new.text, 1, {MaxText})
                  FROM work_items w WHERE w.tenant_id = new.tenant_id AND w.id = new.work_item_id;
            END;
            CREATE TRIGGER documents_search_au AFTER UPDATE OF name, text ON documents BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND kind = 'document' AND source_id = old.id;
                INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
                SELECT new.tenant_id, 'document', new.id, new.work_item_id, w.project_id, w.archived_at IS NOT NULL, new.created_at,
                       substr(new.name, 1, {MaxText}), substr(new.text, 1, {MaxText})
                  FROM work_items w WHERE w.tenant_id = new.tenant_id AND w.id = new.work_item_id AND coalesce(new.text, '') <> '';
            END;
            CREATE TRIGGER documents_search_ad AFTER DELETE ON documents BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND kind = 'document' AND source_id = old.id;
            END;
            """);

        // What a database already holds is indexed once, oldest first.
        migrationBuilder.Sql($"""
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
            SELECT d.tenant_id, 'document', d.id, d.work_item_id, w.project_id, w.archived_at IS NOT NULL, d.created_at,
                   substr(d.name, 1, {MaxText}), substr(d.text, 1, {MaxText})
              FROM documents d JOIN work_items w ON w.tenant_id = d.tenant_id AND w.id = d.work_item_id
             WHERE coalesce(d.text, '') <> '' ORDER BY d.id;
            """);
    }
}
