using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data.Sqlite;

/// The open transaction on the writer connection and the writers waiting for it to commit.
internal sealed class SharedCommit
{
    private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _started = Stopwatch.GetTimestamp();

    public SharedCommit(SqliteConnections owner, SqliteConnection connection)
    {
        Owner = owner;
        Connection = connection;
        Transaction = connection.BeginTransaction(deferred: false);
    }

    public SqliteConnections Owner { get; }
    public SqliteConnection Connection { get; }
    public SqliteTransaction Transaction { get; }

    /// Writers that joined, and those whose changes are kept.
    public int Writers { get; set; }
    public int Kept { get; set; }

    public Task Committed => _committed.Task;
    public TimeSpan Age => Stopwatch.GetElapsedTime(_started);

    public bool InTransaction =>
        Connection.State == System.Data.ConnectionState.Open && SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    public void Run(string sql)
    {
        using var command = Sql.On(Transaction, sql);
        command.ExecuteNonQuery();
    }

    public void Finish()
    {
        try
        {
            if (Kept > 0)
            {
                Transaction.Commit();
            }
            else
            {
                Transaction.Rollback();
            }

            _committed.TrySetResult();
        }
        catch (Exception ex)
        {
            _committed.TrySetException(ex);
        }
        finally
        {
            Dispose();
        }
    }

    public void Fail(Exception reason)
    {
        _committed.TrySetException(reason);
        Dispose();
    }

    private void Dispose()
    {
        try
        {
            Transaction.Dispose();
        }
        catch (SqliteException)
        {
            // The transaction had already ended inside SQLite.
        }
    }
}
