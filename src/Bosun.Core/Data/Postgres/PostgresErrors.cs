using Npgsql;

namespace Bosun.Core.Data.Postgres;

internal static class PostgresErrors
{
    public static bool IsUniqueViolation(Exception? ex) => ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public static bool IsForeignKeyViolation(Exception? ex) => ex is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };

    /// A deadlock or a serialization failure: the transaction did nothing and may be run again.
    public static bool IsRetryable(Exception? ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };
}
