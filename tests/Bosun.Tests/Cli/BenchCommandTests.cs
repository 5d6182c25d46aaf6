using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun bench` run as a user runs it (see BosunProcess), so what the benchmark leaves behind (its SQLite file, its
/// throwaway PostgreSQL) can be looked for afterwards. Figures are printed, never checked: a test does not time things.
[Trait(TestCategory.Key, TestCategory.Bench)]
public sealed class BenchCommandTests
{
    [Theory, BothStores]
    public async Task A_short_dispatch_benchmark_prints_its_figures_and_leaves_nothing_behind(StoreKind store)
    {
        await using var bench = BosunProcess.Start("bench", "dispatch", "--store", store.ToString().ToLowerInvariant(),
            "--agents", "2", "--items", "200", "--seconds", "1");

        var exit = await bench.ExitAsync(TimeSpan.FromMinutes(4));

        Assert.True(exit == 0, bench.Transcript());
        Assert.Contains("Bosun cycles / raw SQL baseline:", bench.Output);
        Assert.Contains("batched claims (max 50) / single claims:", bench.Output);
        Assert.Empty(bench.LeftBehind());
    }

    [Theory, BothStores]
    public async Task A_short_plan_benchmark_compares_instantiating_with_one_item_a_request_and_leaves_nothing_behind(StoreKind store)
    {
        await using var bench = BosunProcess.Start("bench", "plan", "--store", store.ToString().ToLowerInvariant(), "--pipelines", "5", "--steps", "3");

        var exit = await bench.ExitAsync(TimeSpan.FromMinutes(4));

        Assert.True(exit == 0, bench.Transcript());
        Assert.Contains("5 pipelines of 3 steps each way (20 work items)", bench.Output);
        Assert.Contains("Instantiate is", bench.Output);
        Assert.Contains("one at a time (goal ≥ 10×)", bench.Output);
        Assert.Empty(bench.LeftBehind());
    }

    [Theory, BothStores]
    public async Task A_short_backup_benchmark_prints_its_figures_and_leaves_nothing_behind(StoreKind store)
    {
        await using var bench = BosunProcess.Start("bench", "backup", "--store", store.ToString().ToLowerInvariant(),
            "--items", "2000", "--agents", "2", "--seconds", "1");

        var exit = await bench.ExitAsync(TimeSpan.FromMinutes(4));

        Assert.True(exit == 0, bench.Transcript());
        Assert.Contains("Backup: copy", bench.Output);
        Assert.Contains("│ Restore ", bench.Output);
        Assert.Contains("During a backup agents write at", bench.Output);
        Assert.Empty(bench.LeftBehind());
    }

    [Theory, BothStores]
    public async Task Ctrl_C_stops_a_benchmark_and_removes_its_server_and_database(StoreKind store)
    {
        await using var bench = BosunProcess.Start("bench", "dispatch", "--store", store.ToString().ToLowerInvariant(),
            "--agents", "2", "--items", "2000", "--seconds", "60");
        await bench.WaitForOutputAsync("warm-up round 1", TimeSpan.FromMinutes(2));
        Assert.NotEmpty(bench.LeftBehind());

        bench.Signal("INT");
        var exit = await bench.ExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 130, bench.Transcript());
        Assert.Contains("Stopped", bench.Output);
        Assert.DoesNotContain("Bosun cycles / raw SQL baseline:", bench.Output);
        Assert.Empty(bench.LeftBehind());
        Assert.Empty(BosunProcess.PostgresServersUnder(bench.TempDir));
    }
}
