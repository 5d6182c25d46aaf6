using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Migrations.Postgres.Migrations;

/// Full-text search with tsvector and GIN (see docs/search.md). The index is derived from the rows it covers and kept
/// current by triggers in the same transaction as every write to them, whichever code path writes (the data context,
/// hand-written statements, COPY in imports and store moves). It is not part of the data model: pg_dump backups carry
/// it with the triggers made after the data, and archives and store moves load the source rows, whose triggers fill it.
[DbContext(typeof(BosunDb))]
[Migration("20261203053000_Search")]
public sealed class Search : Migration
{
    /// Indexed text is cut here: enough for any description or message a person reads, and well inside a tsvector's 1 MB.
    private const int MaxText = 200000;

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE search_entries (
                tenant_id text NOT NULL,
                id bigint GENERATED ALWAYS AS IDENTITY,
                kind text NOT NULL,
                source_id text NOT NULL,
                work_item_id text,
                project_id text,
                archived boolean NOT NULL DEFAULT false,
                at timestamp with time zone,
                title text NOT NULL,
                body text NOT NULL,
                document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, body), 'B')) STORED,
                CONSTRAINT pk_search_entries PRIMARY KEY (tenant_id, id)
            );
            CREATE UNIQUE INDEX ux_search_entries_source ON search_entries (tenant_id, kind, source_id);
            CREATE INDEX ix_search_entries_work_item ON search_entries (tenant_id, work_item_id) WHERE work_item_id IS NOT NULL;
            CREATE INDEX ix_search_entries_document ON search_entries USING gin (document);
            GRANT SELECT, INSERT, UPDATE, DELETE ON search_entries TO bosun_app;
            GRANT USAGE ON SEQUENCE search_entries_id_seq TO bosun_app;

            -- Inside a request bosun_app sees only its tenant's entries (as in StoreRules).
            ALTER TABLE search_entries ENABLE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON search_entries
                USING (tenant_id = current_setting('app.tenant_id', true))
                WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
            """);

        // Work items: the title, and the key, description and output as the body. Only the columns search reads fire
        // the update trigger, so claims, heartbeats and moves never touch the index.
        migrationBuilder.Sql($$"""
            CREATE FUNCTION bosun_search_work_item() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND work_item_id = OLD.id;
                    RETURN NULL;
                END IF;
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
                    VALUES (NEW.tenant_id, 'work_item', NEW.id, NEW.id, NEW.project_id, NEW.archived_at IS NOT NULL, NEW.created_at,
                            left(NEW.title, {{MaxText}}),
                            left(NEW.key || ' ' || coalesce(NEW.description, '') || ' ' || coalesce(NEW.output_json, ''), {{MaxText}}));
                    RETURN NULL;
                END IF;
                UPDATE search_entries
                   SET project_id = NEW.project_id, archived = NEW.archived_at IS NOT NULL, title = left(NEW.title, {{MaxText}}),
                       body = left(NEW.key || ' ' || coalesce(NEW.description, '') || ' ' || coalesce(NEW.output_json, ''), {{MaxText}})
                 WHERE tenant_id = NEW.tenant_id AND kind = 'work_item' AND source_id = NEW.id;
                IF NEW.project_id IS DISTINCT FROM OLD.project_id OR (NEW.archived_at IS NULL) <> (OLD.archived_at IS NULL) THEN
                    UPDATE search_entries SET project_id = NEW.project_id, archived = NEW.archived_at IS NOT NULL
                     WHERE tenant_id = NEW.tenant_id AND work_item_id = NEW.id AND kind <> 'work_item';
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER work_items_search AFTER INSERT OR DELETE OR UPDATE OF key, title, description, output_json, project_id, archived_at
                ON work_items FOR EACH ROW EXECUTE FUNCTION bosun_search_work_item();

            CREATE FUNCTION bosun_search_comment() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND kind = 'comment' AND source_id = OLD.id;
                ELSIF TG_OP = 'INSERT' THEN
                    INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
                    SELECT NEW.tenant_id, 'comment', NEW.id, NEW.work_item_id, w.project_id, w.archived_at IS NOT NULL, NEW.created_at,
                           '', left(NEW.body, {{MaxText}})
                      FROM work_items w WHERE w.tenant_id = NEW.tenant_id AND w.id = NEW.work_item_id;
                ELSE
                    UPDATE search_entries SET body = left(NEW.body, {{MaxText}})
                     WHERE tenant_id = NEW.tenant_id AND kind = 'comment' AND source_id = NEW.id;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER comments_search AFTER INSERT OR DELETE OR UPDATE OF body
                ON comments FOR EACH ROW EXECUTE FUNCTION bosun_search_comment();

            CREATE FUNCTION bosun_search_message() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND kind = 'message' AND source_id = OLD.session_id || '/' || OLD.seq;
                END IF;
                IF TG_OP <> 'DELETE' AND coalesce(NEW.text, '') <> '' THEN
                    INSERT INTO search_entries (tenant_id, kind, source_id, at, title, body)
                    VALUES (NEW.tenant_id, 'message', NEW.session_id || '/' || NEW.seq, NEW.at, '', left(NEW.text, {{MaxText}}));
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER session_messages_search AFTER INSERT OR DELETE OR UPDATE OF text
                ON session_messages FOR EACH ROW EXECUTE FUNCTION bosun_search_message();
            """);

        // What a database already holds is indexed once, oldest first, so newer rows get the larger ids.
        migrationBuilder.Sql($"""
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
            SELECT tenant_id, 'work_item', id, id, project_id, archived_at IS NOT NULL, created_at, left(title, {MaxText}),
                   left(key || ' ' || coalesce(description, '') || ' ' || coalesce(output_json, ''), {MaxText})
              FROM work_items ORDER BY id;
            INSERT INTO search_entries (tenant_id, kind, source_id, work_item_id, project_id, archived, at, title, body)
            SELECT c.tenant_id, 'comment', c.id, c.work_item_id, w.project_id, w.archived_at IS NOT NULL, c.created_at, '', left(c.body, {MaxText})
              FROM comments c JOIN work_items w ON w.tenant_id = c.tenant_id AND w.id = c.work_item_id ORDER BY c.id;
            INSERT INTO search_entries (tenant_id, kind, source_id, at, title, body)
            SELECT tenant_id, 'message', session_id || '/' || seq, at, '', left(text, {MaxText})
              FROM session_messages WHERE coalesce(text, '') <> '' ORDER BY session_id, seq;
            """);
    }
}
