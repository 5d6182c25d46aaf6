using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data.Sqlite;

/// A cached command: disposing it after use keeps its compiled statement and only forgets the parameters.
internal sealed class PreparedCommand : SqliteCommand
{
    private bool _released;

    public bool InUse { get; set; }

    /// When it was last handed out, counted in uses of its connection's cache.
    public long LastUse { get; set; }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_released)
        {
            Parameters.Clear();
            Transaction = null;
            InUse = false;
            return;
        }

        base.Dispose(disposing);
    }

    /// Really disposes it: its compiled statement goes too.
    public void Release()
    {
        _released = true;
        Dispose();
    }
}
