using System.CommandLine;

namespace Bosun.Cli.Bench;

/// `bosun bench`: measurements against a private server and database, never a shared one.
public static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks on a private in-process server and a fresh database");
        bench.Add(DispatchBench.Command());
        bench.Add(IngestBench.Command());
        bench.Add(OtlpBench.Command());
        bench.Add(CostsBench.Command());
        bench.Add(UiBench.Command());
        bench.Add(BatchBench.Command());
        bench.Add(PlanBench.Command());
        bench.Add(BackupBench.Command());
        bench.Add(ScheduleBench.Command());
        bench.Add(SearchBench.Command());
        bench.Add(ScaleBench.Command());
        bench.Add(NotifyBench.Command());
        bench.Add(PermissionsBench.Command());
        return bench;
    }
}
