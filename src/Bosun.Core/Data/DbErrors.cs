using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Data;

/// Constraint failures the database reports, recognised the same way on both stores.
public static class DbErrors
{
    public static bool IsUniqueViolation(DbUpdateException ex) =>
        PostgresErrors.IsUniqueViolation(ex.InnerException) || SqliteErrors.IsUniqueViolation(ex.InnerException);

    public static bool IsForeignKeyViolation(DbUpdateException ex) =>
        PostgresErrors.IsForeignKeyViolation(ex.InnerException) || SqliteErrors.IsForeignKeyViolation(ex.InnerException);

    /// A failure that leaves nothing done and goes away when the transaction runs again (a PostgreSQL deadlock or
    /// serialization failure), however EF wrapped it.
    public static bool IsRetryable(Exception ex) => ex switch
    {
        _ when PostgresErrors.IsRetryable(ex) => true,
        DbUpdateException { InnerException: { } inner } => IsRetryable(inner),
        InvalidOperationException { InnerException: { } inner } => IsRetryable(inner),
        _ => false,
    };
}
