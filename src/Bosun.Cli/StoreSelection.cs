using System.CommandLine;
using Bosun.Core.Data;

namespace Bosun.Cli;

/// Which database a server-side command uses: SQLite under the data directory unless PostgreSQL is named.
public static class StoreSelection
{
    public static readonly Option<string?> DataDir = new("--data-dir")
    {
        Description = "Directory of the embedded SQLite database (default ./bosun-data, or BOSUN_DATA_DIR)",
        Recursive = true,
    };

    public static readonly Option<string?> Postgres = new("--postgres")
    {
        Description = "PostgreSQL connection string; uses PostgreSQL instead of SQLite (or BOSUN_POSTGRES)",
        Recursive = true,
    };

    public static void AddOptions(RootCommand root)
    {
        root.Add(DataDir);
        root.Add(Postgres);
    }

    public static StoreOptions Resolve(ParseResult result)
    {
        var postgres = result.GetValue(Postgres) ?? Environment.GetEnvironmentVariable("BOSUN_POSTGRES");
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            return StoreOptions.Postgres(postgres);
        }

        var dir = result.GetValue(DataDir) ?? Environment.GetEnvironmentVariable("BOSUN_DATA_DIR") ?? "bosun-data";
        return StoreOptions.Sqlite(Path.Combine(Path.GetFullPath(dir), "bosun.db"));
    }
}
