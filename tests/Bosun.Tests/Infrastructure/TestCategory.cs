namespace Bosun.Tests.Infrastructure;

/// The trait `./test.sh --fast` filters on: `[Trait(TestCategory.Key, TestCategory.Browser)]`.
public static class TestCategory
{
    public const string Key = "Category";

    /// Drives Chromium.
    public const string Browser = "Browser";

    /// Runs `bosun bench`.
    public const string Bench = "Bench";

    /// Runs only on PostgreSQL.
    public const string Postgres = "Postgres";
}
