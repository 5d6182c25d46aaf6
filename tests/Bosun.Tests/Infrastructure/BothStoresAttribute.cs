using System.Reflection;
using Bosun.Core.Data;
using Xunit.Sdk;

namespace Bosun.Tests.Infrastructure;

/// Runs a theory once on SQLite and once on PostgreSQL.
public sealed class BothStoresAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) =>
        [[StoreKind.Sqlite], [StoreKind.Postgres]];
}
