using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bosun.Migrations.Postgres;

/// Lets `dotnet ef migrations add` build the PostgreSQL model; no server is contacted.
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BosunDb>
{
    public BosunDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        StoreOptions.Postgres("Host=localhost;Database=bosun_design").Configure(options);
        return new BosunDb(options.Options);
    }
}
