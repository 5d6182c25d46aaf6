namespace Bosun.Core.Data;

/// A hand-written statement, named, with its text for each store (the same text when both stores take it).
/// Statements live as static fields of a module's `*Statements` class, one per statement, so a service reads as rules
/// and a test can prepare every one of them on both stores: a renamed column fails there, not in production.
internal sealed record Statement(string Name, string Sqlite, string Postgres)
{
    public Statement(string name, string both) : this(name, both, both)
    {
    }

    public string For(BosunDb db) => db.IsPostgres ? Postgres : Sqlite;

    public override string ToString() => Name;
}
