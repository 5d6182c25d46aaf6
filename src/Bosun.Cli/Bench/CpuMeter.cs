namespace Bosun.Cli.Bench;

/// CPU time the whole machine spent while a phase ran (server, benchmark client and database alike), read from
/// /proc/stat; elsewhere it falls back to this process alone. Benchmarks print it per item, which shows where a
/// phase is bound by CPU rather than by waiting.
public sealed class CpuMeter
{
    private readonly double _startMs;
    private readonly bool _machine;

    private CpuMeter(double startMs, bool machine)
    {
        _startMs = startMs;
        _machine = machine;
    }

    public static CpuMeter Start()
    {
        var machine = MachineBusyMs();
        return new CpuMeter(machine ?? ProcessMs(), machine is not null);
    }

    /// Milliseconds of CPU used since Start, and whether they cover the whole machine.
    public (double Ms, bool Machine) Elapsed() => ((_machine ? MachineBusyMs() ?? 0 : ProcessMs()) - _startMs, _machine);

    private static double ProcessMs() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    private static double? MachineBusyMs()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...  (in clock ticks, 100 per second on Linux)
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = fields.Skip(1).Select(long.Parse).ToArray();
            var busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6];
            return busy * 10.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
