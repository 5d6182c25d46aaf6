using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres.Migrations;

/// Documents' text in the search index (see docs/search.md), kept current by a trigger as in Search: a document with
/// text is an entry of kind `document` under its work item, titled by its file name. Moving or archiving the item
/// carries its documents' entries along (the work item trigger updates every entry of the item), and deleting it
/// removes them.
[DbContext(typeof(BosunDb))]
[Migration("20261203080000_SearchDocuments")]
public sealed class SearchDocuments : Migration
{
    /// As in Search: indexed text is cut here.
    private const int MaxText = 200000;

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql($$"""
            CREATE FUNCTION bosun_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND kind = 'document' AND source_id = OLD.id;
                END IF;
                IF TG_OP <> 'DELETE' AND coalesce(NEW.text, '') <> '' THEN
                    INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
                    SELECT NEW.tenant_id, 'document', NEW.id, NEW.work_item_id, w.project_id, w.archived_at IS NOT NULL, NEW.created_at,
                           left(NEW.name, {{MaxText}}), left(NEW.text, {{MaxText}})
                      FROM work_items w WHERE w.tenant_id = NEW.tenant_id AND w.id = NEW.work_item_id;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER documents_search AFTER INSERT OR DELETE OR UPDATE OF name, text
                ON documents FOR EACH ROW EXECUTE FUNCTION bosun_search_document();
            """);

        // What a database already holds is indexed once, oldest first.
        migrationBuilder.Sql($"""
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
            SELECT d.tenant_id, 'document', d.id, d.work_item_id, w.project_id, w.archived_at IS NOT NULL, d.created_at,
                   left(d.name, {MaxText}), left(d.text, {MaxText})
              FROM documents d JOIN work_items w ON w.tenant_id = d.tenant_id AND w.id = d.work_item_id
             WHERE coalesce(d.text, '') <> '' ORDER BY d.id;
            """);
    }
}
