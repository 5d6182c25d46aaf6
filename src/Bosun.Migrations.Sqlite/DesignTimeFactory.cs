using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bosun.Migrations.Sqlite;

/// Lets `dotnet ef migrations add` build the SQLite model without starting the server.
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BosunDb>
{
    public BosunDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        StoreOptions.Sqlite("design-time.db").Configure(options);
        return new BosunDb(options.Options);
    }
}
