using System.Reflection;
using Bosun.Core.Data;
using Xunit.Sdk;

namespace Bosun.Tests.Infrastructure;

/// Runs a theory once on SQLite and once on PostgreSQL, or only on the stores `BOSUN_TEST_STORES` names.
public sealed class BothStoresAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) =>
        TestStores.Enabled.Select(store => new object[] { store });
}

/// The stores this test run uses. `./test.sh --fast` sets `BOSUN_TEST_STORES=sqlite`: a trait cannot leave out one
/// data row of a theory, so the store rows are chosen here.
public static class TestStores
{
    public const string Variable = "BOSUN_TEST_STORES";

    public static IReadOnlyList<StoreKind> Enabled { get; } = Parse(Environment.GetEnvironmentVariable(Variable));

    public static void Require(StoreKind store)
    {
        if (!Enabled.Contains(store))
        {
            throw new InvalidOperationException(
                $"{Variable} leaves out {store}: a test that needs it takes its store from [BothStores], " +
                "or carries [Trait(TestCategory.Key, TestCategory.Postgres)] so that the fast run leaves it out.");
        }
    }

    private static StoreKind[] Parse(string? names) =>
        string.IsNullOrWhiteSpace(names)
            ? [StoreKind.Sqlite, StoreKind.Postgres]
            : names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(name => Enum.TryParse<StoreKind>(name, ignoreCase: true, out var store)
                    ? store
                    : throw new InvalidOperationException($"{Variable}: unknown store '{name}' (sqlite, postgres)."))
                .Distinct()
                .ToArray();
}
