using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Sqlite.Migrations;

/// Full-text search with FTS5 (see docs/search.md). The index is derived from the rows it covers and kept current by
/// triggers in the same transaction as every write to them, whichever code path writes (the data context, hand-written
/// statements, imports, store moves). It is not part of the data model: backups copy the file with it, and archives and
/// store moves load the source rows, whose triggers fill it again.
[DbContext(typeof(BosunDb))]
[Migration("20261203053000_Search")]
public sealed class Search : Migration
{
    /// Indexed text is cut here: enough for any description or message a person reads, and a bound on the index.
    private const int MaxText = 200000;

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        // One row per searchable thing. `scope` holds one word each for the tenant, the kind, the project and archived,
        // so a search narrows to them inside the index instead of ranking every tenant's matches first. Each word is
        // the value in hex between a letter and an x: unicode61 keeps it whole and the porter stemmer has no ending to
        // cut from it, so two tenants' words can never become one.
        migrationBuilder.Sql("""
            CREATE TABLE search_entries (
                id INTEGER PRIMARY KEY,
                tenant_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                source_id TEXT NOT NULL,
                work_item_id TEXT,
                project_id TEXT,
                archived INTEGER NOT NULL DEFAULT 0,
                at TEXT,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                scope TEXT GENERATED ALWAYS AS (
                    't' || lower(hex(tenant_id)) || 'x k' || lower(hex(kind)) || 'x'
                    || coalesce(' p' || lower(hex(project_id)) || 'x', '')
                    || CASE WHEN archived THEN ' xarchivedx' ELSE '' END) VIRTUAL
            );
            CREATE UNIQUE INDEX ux_search_entries_source ON search_entries (tenant_id, kind, source_id);
            CREATE INDEX ix_search_entries_work_item ON search_entries (tenant_id, work_item_id) WHERE work_item_id IS NOT NULL;
            CREATE VIRTUAL TABLE search_fts USING fts5(
                scope, title, body, content='search_entries', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');

            CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN
                INSERT INTO search_fts (rowid, scope, title, body) VALUES (new.id, new.scope, new.title, new.body);
            END;
            CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN
                INSERT INTO search_fts (search_fts, rowid, scope, title, body) VALUES ('delete', old.id, old.scope, old.title, old.body);
            END;
            CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN
                INSERT INTO search_fts (search_fts, rowid, scope, title, body) VALUES ('delete', old.id, old.scope, old.title, old.body);
                INSERT INTO search_fts (rowid, scope, title, body) VALUES (new.id, new.scope, new.title, new.body);
            END;
            """);

        // Work items: the title, and the key, description and output as the body. Only the columns search reads fire
        // the update trigger, so claims, heartbeats and moves never touch the index.
        migrationBuilder.Sql($"""
            CREATE TRIGGER work_items_search_ai AFTER INSERT ON work_items BEGIN
                INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
                VALUES (new.tenant_id, 'work_item', new.id, new.id, new.project_id, new.archived_at IS NOT NULL, new.created_at,
                        substr(new.title, 1, {MaxText}),
                        substr(new.key || ' ' || coalesce(new.description, '') || ' ' || coalesce(new.output_json, ''), 1, {MaxText}));
            END;
            CREATE TRIGGER work_items_search_au AFTER UPDATE OF key, title, description, output_json, project_id, archived_at ON work_items BEGIN
                UPDATE search_entries
                   SET project_id = new.project_id, archived = new.archived_at IS NOT NULL, title = substr(new.title, 1, {MaxText}),
                       body = substr(new.key || ' ' || coalesce(new.description, '') || ' ' || coalesce(new.output_json, ''), 1, {MaxText})
                 WHERE tenant_id = new.tenant_id AND kind = 'work_item' AND source_id = new.id;
                UPDATE search_entries SET project_id = new.project_id, archived = new.archived_at IS NOT NULL
                 WHERE tenant_id = new.tenant_id AND work_item_id = new.id AND kind <> 'work_item'
                   AND (project_id IS NOT new.project_id OR archived <> (new.archived_at IS NOT NULL));
            END;
            CREATE TRIGGER work_items_search_ad AFTER DELETE ON work_items BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND work_item_id = old.id;
            END;

            CREATE TRIGGER comments_search_ai AFTER INSERT ON comments BEGIN
                INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
                SELECT new.tenant_id, 'comment', new.id, new.work_item_id, w.project_id, w.archived_at IS NOT NULL, new.created_at,
                       '', substr(new.body, 1, {MaxText})
                  FROM work_items w WHERE w.tenant_id = new.tenant_id AND w.id = new.work_item_id;
            END;
            CREATE TRIGGER comments_search_au AFTER UPDATE OF body ON comments BEGIN
                UPDATE search_entries SET body = substr(new.body, 1, {MaxText})
                 WHERE tenant_id = new.tenant_id AND kind = 'comment' AND source_id = new.id;
            END;
            CREATE TRIGGER comments_search_ad AFTER DELETE ON comments BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND kind = 'comment' AND source_id = old.id;
            END;

            CREATE TRIGGER session_messages_search_ai AFTER INSERT ON session_messages WHEN coalesce(new.text, '') <> '' BEGIN
                INSERT INTO search_entries (tenant_id, kind, source_id, at, title, body)
                VALUES (new.tenant_id, 'message', new.session_id || '/' || new.seq, new.at, '', substr(new.text, 1, {MaxText}));
            END;
            CREATE TRIGGER session_messages_search_au AFTER UPDATE OF text ON session_messages BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND kind = 'message' AND source_id = old.session_id || '/' || old.seq;
                INSERT INTO search_entries (tenant_id, kind, source_id, at, title, body)
                SELECT new.tenant_id, 'message', new.session_id || '/' || new.seq, new.at, '', substr(new.text, 1, {MaxText})
                 WHERE coalesce(new.text, '') <> '';
            END;
            CREATE TRIGGER session_messages_search_ad AFTER DELETE ON session_messages BEGIN
                DELETE FROM search_entries WHERE tenant_id = old.tenant_id AND kind = 'message' AND source_id = old.session_id || '/' || old.seq;
            END;
            """);

        // What a database already holds is indexed once, oldest first, so newer rows get the larger ids.
        migrationBuilder.Sql($"""
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
            SELECT tenant_id, 'work_item', id, id, project_id, archived_at IS NOT NULL, created_at, substr(title, 1, {MaxText}),
                   substr(key || ' ' || coalesce(description, '') || ' ' || coalesce(output_json, ''), 1, {MaxText})
              FROM work_items ORDER BY id;
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
            SELECT c.tenant_id, 'comment', c.id, c.work_item_id, w.project_id, w.archived_at IS NOT NULL, c.created_at, '', substr(c.body, 1, {MaxText})
              FROM comments c JOIN work_items w ON w.tenant_id = c.tenant_id AND w.id = c.work_item_id ORDER BY c.id;
            INSERT INTO search_entries (tenant_id, kind, source_id, at, title, body)
            SELECT tenant_id, 'message', session_id || '/' || seq, at, '', substr(text, 1, {MaxText})
              FROM session_messages WHERE coalesce(text, '') <> '' ORDER BY session_id, seq;
            """);
    }
}
