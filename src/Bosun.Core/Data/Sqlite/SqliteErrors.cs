using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data.Sqlite;

/// SQLite's constraint failures: code 19 (SQLITE_CONSTRAINT), told apart by the message.
internal static class SqliteErrors
{
    public static bool IsUniqueViolation(Exception? ex) => IsConstraint(ex, "UNIQUE");

    public static bool IsForeignKeyViolation(Exception? ex) => IsConstraint(ex, "FOREIGN KEY");

    private static bool IsConstraint(Exception? ex, string kind) =>
        ex is SqliteException { SqliteErrorCode: 19 } lite && lite.Message.Contains(kind, StringComparison.Ordinal);
}
